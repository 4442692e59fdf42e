import { IsInt, Max, Min } from 'class-validator';
import { DatabaseServiceConfig, loadConfig } from '#platform';

export class HistoryConfig extends DatabaseServiceConfig {
  @IsInt()
  @Min(0)
  @Max(65535)
  HISTORY_PORT = 3004;
}

export function loadHistoryConfig(env: NodeJS.ProcessEnv = process.env): HistoryConfig {
  return loadConfig(HistoryConfig, env);
}
