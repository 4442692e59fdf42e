import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { ConsumerGroups } from '#contracts';
import { DEVELOPMENT, DEVELOPMENT_API_KEYS, DatabaseServiceConfig, DevelopmentDefault, loadConfig } from '#platform';
import { checkApiKeys } from './auth/api-keys.js';

export class IntakeConfig extends DatabaseServiceConfig {
  /** HTTP port of intake. */
  @IsInt()
  @Min(0)
  @Max(65535)
  INTAKE_PORT = 3001;

  /** Another deployment (a benchmark, a replay) reads the topics under another group. */
  @IsString()
  @IsNotEmpty()
  INTAKE_CONSUMER_GROUP: string = ConsumerGroups.intake;

  /** JSON array of {name, sha256, channels}; the keys themselves are never configured in clear. */
  @IsString()
  @DevelopmentDefault(DEVELOPMENT_API_KEYS)
  INTAKE_API_KEYS = '[]';

  /** Longest wait for Kafka's acknowledgement before answering 503. */
  @IsInt()
  @Min(100)
  INTAKE_PUBLISH_TIMEOUT_MS = 5000;

  /** How long the ticket publisher waits to group records into one produce request. */
  @IsInt()
  @Min(0)
  @Max(100)
  KAFKA_LINGER_MS = 2;

  /** How long an Idempotency-Key gives back its ticket; reused later, it is refused (422). */
  @IsInt()
  @Min(1)
  INTAKE_IDEMPOTENCY_TTL_HOURS = 24;

  /**
   * How long a used Idempotency-Key is remembered after its TTL, to refuse its reuse: its ticket
   * id is derived from it, so a reuse would be dropped downstream as a duplicate.
   */
  @IsInt()
  @Min(1)
  INTAKE_IDEMPOTENCY_TOMBSTONE_DAYS = 400;

  /** How long the requestIds of upstream events already turned into tickets are remembered (duplicate check). */
  @IsInt()
  @Min(1)
  INTAKE_UPSTREAM_DEDUP_DAYS = 30;

  /**
   * The reception time of an upstream record is its producer's timestamp, but never later than
   * when intake reads it, nor earlier than that by more than this skew (no backdated SLAs).
   */
  @IsInt()
  @Min(0)
  INTAKE_MAX_RECEPTION_SKEW_MS = 300_000;

  /**
   * A follow-up to a resolved ticket reopens it within this many days of its resolution; after
   * that it starts a new ticket that names the old one (relatedTicketId).
   */
  @IsInt()
  @Min(0)
  @Max(3650)
  REOPEN_WINDOW_DAYS = 7;

  /** Requests per minute and per user token (chat, form); bursts up to the same number. */
  @IsInt()
  @Min(1)
  INTAKE_RATE_LIMIT_USER_PER_MINUTE = 60;

  /** Requests per minute and per upstream API key (phone desk app, email gateway). */
  @IsInt()
  @Min(1)
  INTAKE_RATE_LIMIT_API_KEY_PER_MINUTE = 6000;

  override crossCheck(): string[] {
    const problems = super.crossCheck();
    const parsed = checkApiKeys(this.INTAKE_API_KEYS);
    if (!parsed.ok) return [...problems, ...parsed.problems];
    if (this.development) return problems;
    // The parsed value, not the raw text: an empty or blank setting must not slip through.
    if (parsed.value.length === 0)
      problems.push('INTAKE_API_KEYS: must list the upstream keys in production (none given)');
    if (parsed.value.some((entry) => entry.digest.toString('hex') === DEVELOPMENT.upstreamApiKeySha256)) {
      problems.push('INTAKE_API_KEYS: the development key is refused in production');
    }
    return problems;
  }
}

export function loadIntakeConfig(env: NodeJS.ProcessEnv = process.env): IntakeConfig {
  return loadConfig(IntakeConfig, env);
}
