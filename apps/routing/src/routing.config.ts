import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { parseBrokers } from '#kafka';
import { loadConfig } from '#platform';
import { DEFAULT_RULES_FILE } from './rules/rule-set.loader.js';

export class RoutingConfig {
  @IsString()
  @IsNotEmpty()
  KAFKA_BROKERS = '127.0.0.1:9092';

  @IsInt()
  @Min(0)
  @Max(65535)
  ROUTING_PORT = 3002;

  @IsString()
  HOST = '127.0.0.1';

  /** Rule file (JSON); relative paths are taken from the project root. */
  @IsString()
  @IsNotEmpty()
  ROUTING_RULES_FILE = DEFAULT_RULES_FILE;

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

export function loadRoutingConfig(env: NodeJS.ProcessEnv = process.env): RoutingConfig {
  return loadConfig(RoutingConfig, env);
}
