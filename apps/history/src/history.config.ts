import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { parseBrokers } from '#kafka';
import { loadConfig } from '#platform';

export class HistoryConfig {
  @IsString()
  @IsNotEmpty()
  KAFKA_BROKERS = '127.0.0.1:9092';

  @IsString()
  @IsNotEmpty()
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/support_routing';

  @IsInt()
  @Min(0)
  @Max(65535)
  HISTORY_PORT = 3004;

  @IsString()
  HOST = '127.0.0.1';

  @IsInt()
  @Min(1)
  KAFKA_TOPIC_PARTITIONS = 6;

  @IsInt()
  @Min(1)
  @Max(20)
  KAFKA_MAX_ATTEMPTS = 4;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
  LOG_LEVEL = 'info';

  get brokers(): string[] {
    return parseBrokers(this.KAFKA_BROKERS);
  }
}

export function loadHistoryConfig(env: NodeJS.ProcessEnv = process.env): HistoryConfig {
  return loadConfig(HistoryConfig, env);
}
