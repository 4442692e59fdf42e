import { IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { ConsumerGroups } from '#contracts';
import { DEVELOPMENT, DatabaseServiceConfig, DevelopmentDefault, loadConfig } from '#platform';
import { DEFAULT_RULES_FILE } from '#rules';

/** The database role the history service logs in as: it may add events, never change or remove them. */
export const HISTORY_APP_ROLE = 'support_history_app';

export class HistoryConfig extends DatabaseServiceConfig {
  /** HTTP port of history. */
  @IsInt()
  @Min(0)
  @Max(65535)
  HISTORY_PORT = 3004;

  /** Base64 of 32 random bytes: wraps each data subject's key (`openssl rand -base64 32`). */
  @IsString()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'must be the base64 of exactly 32 bytes (openssl rand -base64 32)' })
  @DevelopmentDefault(DEVELOPMENT.historyMasterKey)
  HISTORY_MASTER_KEY = '';

  /**
   * Where the service's connections log in: as HISTORY_APP_ROLE, which may add events but not change
   * or remove them. DATABASE_URL (the owner) only runs the migrations. In development it defaults to
   * DATABASE_URL with that role as the user (and the same password, which history gives the role).
   */
  @IsString()
  HISTORY_APP_DATABASE_URL = '';

  /** Connections for the auditors' whole-store reads (verify, export, statistics), apart from ingestion's. */
  @IsInt()
  @Min(1)
  @Max(20)
  HISTORY_AUDIT_POOL_SIZE = 2;

  /** A statement of those reads is cancelled after this long. */
  @IsInt()
  @Min(100)
  HISTORY_AUDIT_STATEMENT_TIMEOUT_MS = 30_000;

  /**
   * Personal data that names nobody (a rejected record that is not JSON, or names no requester)
   * cannot be erased on request: it becomes unreadable this many days after it was received.
   */
  @IsInt()
  @Min(1)
  HISTORY_UNATTRIBUTED_RETENTION_DAYS = 30;

  /** A second, independent deployment (a benchmark, a rebuild of the store) reads the topics under another group. */
  @IsString()
  @IsNotEmpty()
  HISTORY_CONSUMER_GROUP: string = ConsumerGroups.history;

  /** Largest number of records stored in one transaction. */
  @IsInt()
  @Min(1)
  @Max(5000)
  HISTORY_BATCH_RECORDS = 2000;

  /** Rule file (JSON) whose SLA targets and business calendar give a follow-up's next-response due time. */
  @IsString()
  @IsNotEmpty()
  ROUTING_RULES_FILE = DEFAULT_RULES_FILE;

  /** Partition batches handled at once: those that arrive together are stored in one group commit. */
  override KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY = 16;

  /** The service's own login (see HISTORY_APP_DATABASE_URL). */
  get appDatabaseUrl(): string {
    if (this.HISTORY_APP_DATABASE_URL) return this.HISTORY_APP_DATABASE_URL;
    const url = new URL(this.DATABASE_URL);
    url.username = HISTORY_APP_ROLE;
    return url.toString();
  }

  override crossCheck(): string[] {
    const problems = super.crossCheck();
    if (this.development) return problems;
    if (this.HISTORY_MASTER_KEY === DEVELOPMENT.historyMasterKey)
      problems.push('HISTORY_MASTER_KEY: the development key is refused in production');
    if (!this.HISTORY_APP_DATABASE_URL) {
      problems.push(
        `HISTORY_APP_DATABASE_URL: required in production (the service logs in as ${HISTORY_APP_ROLE}, DATABASE_URL only migrates)`,
      );
    } else if (userOf(this.HISTORY_APP_DATABASE_URL) === userOf(this.DATABASE_URL)) {
      problems.push(
        'HISTORY_APP_DATABASE_URL: must log in as another user than DATABASE_URL (the owner could drop the append-only guards)',
      );
    }
    return problems;
  }
}

function userOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).username);
  } catch {
    return undefined;
  }
}

export function loadHistoryConfig(env: NodeJS.ProcessEnv = process.env): HistoryConfig {
  return loadConfig(HistoryConfig, env);
}
