import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { ConsumerGroups, LOCALES } from '#contracts';
import type { Locale } from '#contracts';
import { ConfigError, DatabaseServiceConfig, loadConfig } from '#platform';
import { parseWebhookSecrets } from './channels/webhook-signature.js';
import { parseDuration } from './durations.js';
import { allTargets, parseRecipients } from './recipients/recipients.js';
import type { RecipientDirectory } from './recipients/recipients.js';

export class NotificationConfig extends DatabaseServiceConfig {
  /** HTTP port of notification. */
  @IsInt()
  @Min(0)
  @Max(65535)
  NOTIFICATION_PORT = 3003;

  /** Partitions handled at once: alerts need not wait behind a backlog of routed tickets on other partitions. */
  override KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY = 8;

  /** A second, independent deployment (a benchmark, a replay) reads the topics under another group. */
  @IsString()
  @IsNotEmpty()
  NOTIFICATION_CONSUMER_GROUP: string = ConsumerGroups.notification;

  /**
   * JSON: one target per audience (see recipients.ts); an audience left out gets the log channel,
   * which production refuses for the support team, the phone desk and on-call. The requester's
   * target may name a chat-specific one, e.g. `{"channel":"email","chat":{"channel":"webhook","url":"https://..."}}`:
   * chat requesters then get their replies through the chat backend, the others by email.
   */
  @IsString()
  NOTIFY_RECIPIENTS = '';

  /** `whsec_<base64>` (Standard Webhooks); several, space-separated, while rotating. */
  @IsString()
  NOTIFY_WEBHOOK_SECRET = '';

  /**
   * e.g. `smtps://user:pass@mail.example.com:465`, or `smtp://...:587`, where production requires
   * STARTTLS (a server that does not offer it gets no mail, and no password).
   */
  @IsString()
  SMTP_URL = '';

  /** Sender of the emails; its domain also names the Message-IDs. */
  @IsString()
  @IsNotEmpty()
  NOTIFY_FROM = 'Support <no-reply@localhost>';

  /** Language of the messages to staff (PSMs, support, phone desk, on-call); requesters get their own. */
  @IsIn(LOCALES)
  NOTIFY_STAFF_LOCALE: Locale = 'en';

  /** Attempts per notification before it is recorded as failed. */
  @IsInt()
  @Min(1)
  @Max(50)
  NOTIFY_MAX_ATTEMPTS = 10;

  /** First retry delay: attempt n waits between half and all of base × 2^(n-1), capped by NOTIFY_RETRY_MAX_MS; a receiver's `Retry-After` is honoured up to the cap. */
  @IsInt()
  @Min(1)
  NOTIFY_RETRY_BASE_MS = 1_000;

  /** Longest retry delay. */
  @IsInt()
  @Min(1)
  NOTIFY_RETRY_MAX_MS = 600_000;

  /** One attempt (webhook call, SMTP conversation) is abandoned after this long. */
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

  /**
   * Days after its resolution during which a requester's follow-up reopens a ticket (as intake
   * decides): notification keeps the requester's contact that long, to answer them, then erases it.
   */
  @IsInt()
  @Min(0)
  @Max(365)
  REOPEN_WINDOW_DAYS = 7;

  /** How long the phone desk has to acknowledge an alert before on-call is alerted, and between escalations: milliseconds, or `90s`, `5m`, `1h`. */
  @IsString()
  ALERT_ACK_TIMEOUT = '5m';

  /** Escalations of an unacknowledged alert to on-call (`0`: none); the alert then stays open. */
  @IsInt()
  @Min(0)
  @Max(20)
  ALERT_MAX_ESCALATIONS = 3;

  /** How often alerts past their acknowledgement deadline are looked for (deadlines live in PostgreSQL). */
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

  /** What the decorators cannot express: the JSON setting, durations, settings that depend on each other, production rules. */
  override crossCheck(): string[] {
    const problems = super.crossCheck();
    const ackTimeout = parseDuration(this.ALERT_ACK_TIMEOUT);
    if (ackTimeout === undefined || ackTimeout < 1_000) {
      problems.push(
        `ALERT_ACK_TIMEOUT: must be a duration of at least 1s, in milliseconds or with a unit (500ms, 90s, 5m, 1h), not "${this.ALERT_ACK_TIMEOUT}"`,
      );
    }
    if (this.NOTIFY_TARGET_CONCURRENCY > this.NOTIFY_CONCURRENCY)
      problems.push('NOTIFY_TARGET_CONCURRENCY: must not exceed NOTIFY_CONCURRENCY');
    if (this.NOTIFY_RETRY_MAX_MS < this.NOTIFY_RETRY_BASE_MS)
      problems.push('NOTIFY_RETRY_MAX_MS: must not be below NOTIFY_RETRY_BASE_MS');
    const secretGiven = this.NOTIFY_WEBHOOK_SECRET.trim() !== '';
    if (secretGiven && parseWebhookSecrets(this.NOTIFY_WEBHOOK_SECRET) === undefined) {
      problems.push(
        'NOTIFY_WEBHOOK_SECRET: must be whsec_ followed by 24 to 64 bytes in base64 (several may be given, space-separated)',
      );
    }
    const recipients = parseRecipients(this.NOTIFY_RECIPIENTS);
    if (!recipients.ok) problems.push(...recipients.problems);
    const targets = recipients.ok ? allTargets(recipients.value) : [];
    const channels = new Set(targets.map((target) => target.channel));
    if (channels.has('webhook') && !secretGiven)
      problems.push('NOTIFY_WEBHOOK_SECRET: required when an audience uses the webhook channel');
    const smtp = smtpUrlOf(this.SMTP_URL);
    if (channels.has('email')) {
      if (this.SMTP_URL.trim() === '') problems.push('SMTP_URL: required when an audience uses the email channel');
      else if (!smtp) problems.push('SMTP_URL: must be an smtp:// or smtps:// URL');
    }
    if (this.development) return problems;
    if (recipients.ok) {
      for (const audience of ALERTED_AUDIENCES) {
        if (recipients.value[audience].channel === 'log') {
          problems.push(
            `NOTIFY_RECIPIENTS.${audience}: the log channel is refused in production (nobody would be told); give a webhook or email target`,
          );
        }
      }
      if (targets.some((target) => target.channel === 'webhook' && target.url.startsWith('http:'))) {
        problems.push('NOTIFY_RECIPIENTS: webhooks must be https:// in production');
      }
    }
    if (
      smtp &&
      smtp.protocol === 'smtp:' &&
      /(^|[?&])(ignoreTLS=true|requireTLS=false|secure=false)(&|$)/i.test(smtp.search.slice(1))
    ) {
      problems.push('SMTP_URL: mail without TLS is refused in production (use smtps://, or smtp:// with STARTTLS)');
    }
    return problems;
  }
}

/** Audiences who must really be reached in production: alerts and escalations go to them. */
const ALERTED_AUDIENCES = ['phone-desk', 'on-call', 'support'] as const;

function smtpUrlOf(text: string): URL | undefined {
  try {
    const url = new URL(text.trim());
    return url.protocol === 'smtp:' || url.protocol === 'smtps:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Reads and validates the environment; a bad setting stops the service with every problem listed. */
export function loadNotificationConfig(env: NodeJS.ProcessEnv = process.env): NotificationConfig {
  return loadConfig(NotificationConfig, env);
}
