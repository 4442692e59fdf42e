import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { ConsumerGroups } from '#contracts';
import { DatabaseServiceConfig, loadConfig } from '#platform';
import { DEFAULT_RULES_FILE } from '#rules';

export class DeskConfig extends DatabaseServiceConfig {
  /** HTTP port of desk (its API, its event stream and the web console). */
  @IsInt()
  @Min(0)
  @Max(65535)
  DESK_PORT = 3005;

  /** A second, independent deployment (a benchmark, a rebuild of the view) reads the topics under another group. */
  @IsString()
  @IsNotEmpty()
  DESK_CONSUMER_GROUP: string = ConsumerGroups.desk;

  /** Rule file (JSON) whose SLA targets and business calendar give a follow-up's next-response due time. */
  @IsString()
  @IsNotEmpty()
  ROUTING_RULES_FILE = DEFAULT_RULES_FILE;

  /** How long the event stream can be replayed with Last-Event-ID (and how long consumed event ids are remembered). */
  @IsInt()
  @Min(1)
  @Max(90)
  DESK_STREAM_RETENTION_DAYS = 7;

  /** Tickets resolved longer ago than this leave desk's view (history keeps everything). */
  @IsInt()
  @Min(1)
  DESK_RESOLVED_RETENTION_DAYS = 90;

  /** Partitions handled at once (each poll's batches are applied in one transaction). */
  override KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY = 6;
}

export function loadDeskConfig(env: NodeJS.ProcessEnv = process.env): DeskConfig {
  return loadConfig(DeskConfig, env);
}
