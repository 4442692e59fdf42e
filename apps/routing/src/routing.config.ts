import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { ConsumerGroups } from '#contracts';
import { AuthenticatedServiceConfig, loadConfig } from '#platform';
import { DEFAULT_RULES_FILE } from '#rules';

/** Routing authenticates the staff who preview decisions. */
export class RoutingConfig extends AuthenticatedServiceConfig {
  /** HTTP port of routing. */
  @IsInt()
  @Min(0)
  @Max(65535)
  ROUTING_PORT = 3002;

  /** Another deployment (a benchmark, a replay) reads the topics under another group. */
  @IsString()
  @IsNotEmpty()
  ROUTING_CONSUMER_GROUP: string = ConsumerGroups.routing;

  /** Rule file (JSON); relative paths are taken from the project root. */
  @IsString()
  @IsNotEmpty()
  ROUTING_RULES_FILE = DEFAULT_RULES_FILE;
}

export function loadRoutingConfig(env: NodeJS.ProcessEnv = process.env): RoutingConfig {
  return loadConfig(RoutingConfig, env);
}
