import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { ConsumerGroups, LOCALES } from '#contracts';
import type { Locale } from '#contracts';
import { ConfigError, DatabaseServiceConfig, loadConfig } from '#platform';
import { parseWebhookSecrets } from './channels/webhook-signature.js';
import { parseDuration } from './durations.js';
import { allTargets, parseRecipients } from './recipients/recipients.js';
import type { RecipientDirectory } from './recipients/recipients.js';

export const DEV_JWT = { secret: 'development-only-secret-change-me-0123456789', issuer: 'support-routing-dev', audience: 'support-intake' } as const;

export class NotificationConfig extends DatabaseServiceConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  @IsInt()
  @Min(0)
  @Max(65535)
  NOTIFICATION_PORT = 3003;

  /** Partitions handled at once: alerts need not wait behind a backlog of routed tickets on other partitions. */
  @IsInt()
  @Min(1)
  @Max(64)
  KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY = 8;

  /** A second, independent deployment (a benchmark, a replay) reads the topics under another group. */
  @IsString()
  @IsNotEmpty()
  NOTIFICATION_CONSUMER_GROUP: string = ConsumerGroups.notification;

  @IsString()
  AUTH_JWT_SECRET: string = DEV_JWT.secret;

  @IsString()
  AUTH_JWT_ISSUER: string = DEV_JWT.issuer;

  @IsString()
  AUTH_JWT_AUDIENCE: string = DEV_JWT.audience;

  @IsString()
  AUTH_JWKS_URL = '';

  /** JSON: one target per audience (see recipients.ts); empty means the log channel for everyone. */
  @IsString()
  NOTIFY_RECIPIENTS = '';

  /** `whsec_<base64>` (Standard Webhooks); several, space-separated, while rotating. */
  @IsString()
  NOTIFY_WEBHOOK_SECRET = '';

  /** e.g. `smtp://user:pass@mail.example.com:587` or `smtps://...:465`. */
  @IsString()
  SMTP_URL = '';

  @IsString()
  @IsNotEmpty()
  NOTIFY_FROM = 'Support <no-reply@localhost>';

  /** Language of the messages to staff (PSMs, support, phone desk, on-call); requesters get their own. */
  @IsIn(LOCALES)
  NOTIFY_STAFF_LOCALE: Locale = 'en';

  @IsInt()
  @Min(1)
  @Max(50)
  NOTIFY_MAX_ATTEMPTS = 10;

  @IsInt()
  @Min(1)
  NOTIFY_RETRY_BASE_MS = 1_000;

  @IsInt()
  @Min(1)
  NOTIFY_RETRY_MAX_MS = 600_000;

  @IsInt()
  @Min(100)
  NOTIFY_ATTEMPT_TIMEOUT_MS = 10_000;

  /** Deliveries in flight per instance. */
  @IsInt()
  @Min(1)
  @Max(1_000)
  NOTIFY_CONCURRENCY = 128;

  /** Deliveries in flight per receiver (webhook URL, SMTP server): a hanging receiver cannot take every slot. */
  @IsInt()
  @Min(1)
  @Max(1_000)
  NOTIFY_TARGET_CONCURRENCY = 32;

  /** How often an idle instance looks for due deliveries (new work wakes it at once). */
  @IsInt()
  @Min(10)
  NOTIFY_POLL_INTERVAL_MS = 500;

  /** Settled deliveries are kept this long (the dedup record of a notification: longer than Kafka keeps records). */
  @IsInt()
  @Min(1)
  NOTIFY_RETENTION_DAYS = 30;

  /** Milliseconds, or a duration such as `90s` or `5m`. */
  @IsString()
  ALERT_ACK_TIMEOUT = '5m';

  @IsInt()
  @Min(0)
  @Max(20)
  ALERT_MAX_ESCALATIONS = 3;

  @IsInt()
  @Min(10)
  ALERT_SCAN_INTERVAL_MS = 1_000;

  get alertAckTimeoutMs(): number {
    const parsed = parseDuration(this.ALERT_ACK_TIMEOUT);
    if (parsed === undefined) throw new ConfigError([`ALERT_ACK_TIMEOUT: ${this.ALERT_ACK_TIMEOUT} is not a duration`]);
    return parsed;
  }

  get recipients(): RecipientDirectory {
    const parsed = parseRecipients(this.NOTIFY_RECIPIENTS);
    if (!parsed.ok) throw new ConfigError(parsed.problems);
    return parsed.value;
  }

  get webhookKeys(): Buffer[] {
    return parseWebhookSecrets(this.NOTIFY_WEBHOOK_SECRET) ?? [];
  }
}

/** What the decorators cannot express: the JSON setting, durations, and settings that depend on each other. */
export function crossCheck(config: NotificationConfig): string[] {
  const problems: string[] = [];
  const ackTimeout = parseDuration(config.ALERT_ACK_TIMEOUT);
  if (ackTimeout === undefined || ackTimeout < 1_000) {
    problems.push(
      `ALERT_ACK_TIMEOUT: must be a duration of at least 1s, in milliseconds or with a unit (500ms, 90s, 5m, 1h), not "${config.ALERT_ACK_TIMEOUT}"`,
    );
  }
  if (config.NOTIFY_TARGET_CONCURRENCY > config.NOTIFY_CONCURRENCY) problems.push('NOTIFY_TARGET_CONCURRENCY: must not exceed NOTIFY_CONCURRENCY');
  if (config.NOTIFY_RETRY_MAX_MS < config.NOTIFY_RETRY_BASE_MS) problems.push('NOTIFY_RETRY_MAX_MS: must not be below NOTIFY_RETRY_BASE_MS');
  const secretGiven = config.NOTIFY_WEBHOOK_SECRET.trim() !== '';
  if (secretGiven && parseWebhookSecrets(config.NOTIFY_WEBHOOK_SECRET) === undefined) {
    problems.push('NOTIFY_WEBHOOK_SECRET: must be whsec_ followed by 24 to 64 bytes in base64 (several may be given, space-separated)');
  }
  const recipients = parseRecipients(config.NOTIFY_RECIPIENTS);
  if (!recipients.ok) problems.push(...recipients.problems);
  const channels = new Set(recipients.ok ? allTargets(recipients.value).map((target) => target.channel) : []);
  if (channels.has('webhook') && !secretGiven) problems.push('NOTIFY_WEBHOOK_SECRET: required when an audience uses the webhook channel');
  if (channels.has('email')) {
    if (config.SMTP_URL.trim() === '') problems.push('SMTP_URL: required when an audience uses the email channel');
    else if (!/^smtps?:\/\/[^/]+/i.test(config.SMTP_URL)) problems.push('SMTP_URL: must be an smtp:// or smtps:// URL');
  }
  if (config.NODE_ENV === 'production' && !config.AUTH_JWKS_URL) {
    problems.push('AUTH_JWKS_URL: must be set in production (HS256 development tokens are refused)');
  }
  return problems;
}

/** Reads and validates the environment; a bad setting stops the service with every problem listed. */
export function loadNotificationConfig(env: NodeJS.ProcessEnv = process.env): NotificationConfig {
  let config: NotificationConfig;
  const problems: string[] = [];
  try {
    config = loadConfig(NotificationConfig, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
    config = withTextSettings(env);
  }
  problems.push(...crossCheck(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The defaults plus the text settings as given, so that one bad number does not hide the other problems. */
function withTextSettings(env: NodeJS.ProcessEnv): NotificationConfig {
  const config = new NotificationConfig();
  const fields = config as unknown as Record<string, unknown>;
  for (const [key, fallback] of Object.entries(fields)) {
    const value = env[key];
    if (typeof fallback === 'string' && value !== undefined && value !== '') fields[key] = value;
  }
  return config;
}
