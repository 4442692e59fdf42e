import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { ServiceConfig, loadConfig } from '#platform';
import { DEFAULT_RULES_FILE } from './rules/rule-set.loader.js';

export class RoutingConfig extends ServiceConfig {
  @IsInt()
  @Min(0)
  @Max(65535)
  ROUTING_PORT = 3002;

  /** Rule file (JSON); relative paths are taken from the project root. */
  @IsString()
  @IsNotEmpty()
  ROUTING_RULES_FILE = DEFAULT_RULES_FILE;
}

export function loadRoutingConfig(env: NodeJS.ProcessEnv = process.env): RoutingConfig {
  return loadConfig(RoutingConfig, env);
}
