import { IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { ConsumerGroups } from '#contracts';
import { AuthenticatedServiceConfig, ConfigError, loadConfig } from '#platform';

/** Known to everybody: fine for development and tests, refused in production. */
export const DEVELOPMENT_MASTER_KEY = Buffer.from('support-history-development-key!').toString('base64');

export class HistoryConfig extends AuthenticatedServiceConfig {
  @IsInt()
  @Min(0)
  @Max(65535)
  HISTORY_PORT = 3004;

  /** Base64 of 32 random bytes: wraps each data subject's key (`openssl rand -base64 32`). */
  @IsString()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'HISTORY_MASTER_KEY must be the base64 of exactly 32 bytes' })
  HISTORY_MASTER_KEY = DEVELOPMENT_MASTER_KEY;

  /** A second, independent deployment (a benchmark, a rebuild of the store) reads the topics under another group. */
  @IsString()
  @IsNotEmpty()
  HISTORY_CONSUMER_GROUP: string = ConsumerGroups.history;

  /** Largest number of records stored in one transaction. */
  @IsInt()
  @Min(1)
  @Max(5000)
  HISTORY_BATCH_RECORDS = 2000;

  /** Partition batches handled at once: those that arrive together are stored in one group commit. */
  @IsInt()
  @Min(1)
  @Max(64)
  KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY = 16;
}

export function loadHistoryConfig(env: NodeJS.ProcessEnv = process.env): HistoryConfig {
  const config = loadConfig(HistoryConfig, env);
  const problems = config.productionProblems();
  if (config.NODE_ENV === 'production' && config.HISTORY_MASTER_KEY === DEVELOPMENT_MASTER_KEY) {
    problems.push('HISTORY_MASTER_KEY: must be set in production (the development key is refused)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
