import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { Audience, Locale } from '#contracts';
import type { Delivery, NotificationKind, OutgoingNotification } from '../channels/notification-channel.js';
import { column, columnsOf, OUTBOX_COLUMNS, unnestRows, updateReturning } from '#platform';
import type { OutboxEvent } from '#platform';

/** A reply to the requester: its text is the conversation's, personal data kept only until it is sent. */
const REPLY_KIND: NotificationKind = 'ticket.reply';

/** Alerts go out before anything else waiting. */
export const Urgency = { alert: 0, normal: 1 } as const;

export interface NewDelivery {
  readonly notification: OutgoingNotification;
  readonly urgency: number;
  readonly correlationId: string | null;
  readonly causationId: string | null;
  readonly traceparent: string | null;
}

export type DeliveryState = 'pending' | 'sent' | 'failed' | 'skipped';

/** A claimed delivery: the message and what its outcome events need. */
export interface ClaimedDelivery extends Delivery {
  readonly urgency: number;
  readonly correlationId: string | null;
  readonly causationId: string | null;
  readonly traceparent: string | null;
}

/** What became of one attempt. */
export interface AttemptRecord {
  readonly notificationId: string;
  readonly ticketId: string;
  readonly audience: Audience;
  readonly attempt: number;
  readonly state: DeliveryState;
  /** When the next attempt is due (pending only). */
  readonly nextAttemptAt: Date | null;
  readonly channel: string;
  readonly error: string | null;
  /** The Message-ID of a mail sent to the requester, threading the ticket's next mails. */
  readonly mailMessageId?: string | null;
  readonly event: OutboxEvent;
}

export interface DeliveryStatus {
  readonly notificationId: string;
  readonly ticketId: string;
  readonly audience: Audience;
  readonly kind: NotificationKind;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly channel: string | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: Date;
}

interface DeliveryRow {
  notification_id: string;
  ticket_id: string;
  reference: string;
  kind: NotificationKind;
  audience: Audience;
  recipient: string | null;
  locale: Locale;
  subject: string;
  body: string;
  alert_id: string | null;
  escalation_level: number | null;
  urgency: number;
  attempts: number;
  correlation_id: string | null;
  causation_id: string | null;
  traceparent: string | null;
  created_at: Date;
}

/** The columns a new delivery is inserted with (its timers come from the statement). */
export const NEW_DELIVERY_COLUMNS = [
  column<NewDelivery>('notification_id', 'text', (delivery) => delivery.notification.notificationId),
  column<NewDelivery>('ticket_id', 'text', (delivery) => delivery.notification.ticketId),
  column<NewDelivery>('reference', 'text', (delivery) => delivery.notification.reference),
  column<NewDelivery>('kind', 'text', (delivery) => delivery.notification.kind),
  column<NewDelivery>('audience', 'text', (delivery) => delivery.notification.audience),
  column<NewDelivery>('recipient', 'text', (delivery) => delivery.notification.recipient),
  column<NewDelivery>('locale', 'text', (delivery) => delivery.notification.locale),
  column<NewDelivery>('subject', 'text', (delivery) => delivery.notification.subject),
  column<NewDelivery>('body', 'text', (delivery) => delivery.notification.body),
  column<NewDelivery>('alert_id', 'text', (delivery) => delivery.notification.alertId),
  column<NewDelivery>('escalation_level', 'int', (delivery) => delivery.notification.escalationLevel),
  column<NewDelivery>('urgency', 'smallint', (delivery) => delivery.urgency),
  column<NewDelivery>('correlation_id', 'text', (delivery) => delivery.correlationId),
  column<NewDelivery>('causation_id', 'text', (delivery) => delivery.causationId),
  column<NewDelivery>('traceparent', 'text', (delivery) => delivery.traceparent),
];

/** What a settled attempt changes, and the outcome event it announces. */
export const ATTEMPT_COLUMNS = [
  column<AttemptRecord>('notification_id', 'text', (record) => record.notificationId),
  column<AttemptRecord>('attempt', 'int', (record) => record.attempt),
  column<AttemptRecord>('state', 'text', (record) => record.state),
  column<AttemptRecord>('next_attempt_at', 'timestamptz', (record) => record.nextAttemptAt),
  column<AttemptRecord>('channel', 'text', (record) => record.channel),
  column<AttemptRecord>('last_error', 'text', (record) => record.error),
  column<AttemptRecord>('mail_message_id', 'text', (record) =>
    record.state === 'sent' && record.audience === 'requester' ? (record.mailMessageId ?? null) : null,
  ),
  ...columnsOf(OUTBOX_COLUMNS, (record: AttemptRecord) => record.event),
];

/** A claimed delivery's lease: its attempt number. */
const LEASE_COLUMNS = [
  column<Pick<ClaimedDelivery, 'notificationId' | 'attempt'>>(
    'notification_id',
    'text',
    (lease) => lease.notificationId,
  ),
  column<Pick<ClaimedDelivery, 'notificationId' | 'attempt'>>('attempt', 'int', (lease) => lease.attempt),
];

const OUTBOX_NAMES = OUTBOX_COLUMNS.map((spec) => spec.name).join(', ');

const CLAIMED_COLUMNS = `d.notification_id, d.ticket_id, d.reference, d.kind, d.audience, d.recipient, d.locale, d.subject, d.body,
  d.alert_id, d.escalation_level, d.urgency, d.attempts, d.correlation_id, d.causation_id, d.traceparent, d.created_at`;

/** Owns the deliveries table: the dedup record, the retry timer and the lease of each notification. */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records notifications not seen before; returns the ids actually added (a redelivery adds none). */
  async enqueue(
    deliveries: readonly NewDelivery[],
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const rows = unnestRows('d', NEW_DELIVERY_COLUMNS, deliveries);
    const at = `$${rows.next}::timestamptz`;
    const inserted = await manager.query<{ notification_id: string }[]>(
      `INSERT INTO notification.deliveries (${rows.names}, next_attempt_at, created_at, updated_at)
       SELECT ${rows.names}, ${at}, ${at}, ${at} FROM ${rows.source}
       ON CONFLICT (notification_id) DO NOTHING
       RETURNING notification_id`,
      [...rows.parameters, now],
    );
    return inserted.map((row) => row.notification_id);
  }

  /**
   * Takes up to `limit` due deliveries, most urgent first, and leases them until `leaseUntil`:
   * the attempt is counted now, and a row whose worker died becomes due again when the lease ends.
   * Rows locked by another instance are skipped, so no two instances send the same attempt.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    // One bounded index range per urgency (alerts first): the scan stops at the first row not due
    // yet instead of walking past every leased or future delivery.
    const rows = await updateReturning<DeliveryRow>(
      this.dataSource,
      `WITH urgent AS (
         SELECT notification_id FROM notification.deliveries
          WHERE state = 'pending' AND urgency = ${Urgency.alert} AND next_attempt_at <= $1
          ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED
       ), normal AS (
         SELECT notification_id FROM notification.deliveries
          WHERE state = 'pending' AND urgency = ${Urgency.normal} AND next_attempt_at <= $1
          ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED
       ), picked AS (
         (SELECT notification_id FROM urgent) UNION ALL (SELECT notification_id FROM normal) LIMIT $3
       )
       UPDATE notification.deliveries d
          SET attempts = d.attempts + 1, next_attempt_at = $2, updated_at = $1
        WHERE d.notification_id IN (SELECT notification_id FROM picked)
       RETURNING ${CLAIMED_COLUMNS}`,
      [now, leaseUntil, limit],
    );
    return rows.sort((left, right) => left.urgency - right.urgency).map(toClaimed);
  }

  /** Gives claimed deliveries back untried (their receiver is busy): the attempt is not counted. */
  async release(
    deliveries: readonly Pick<ClaimedDelivery, 'notificationId' | 'attempt'>[],
    dueAt: Date,
  ): Promise<void> {
    if (deliveries.length === 0) return;
    const rows = unnestRows('r', LEASE_COLUMNS, deliveries, { first: 2 });
    await this.dataSource.query(
      `UPDATE notification.deliveries d
          SET attempts = d.attempts - 1, next_attempt_at = $1
         FROM ${rows.source}
        WHERE d.notification_id = r.notification_id AND d.attempts = r.attempt AND d.state = 'pending'`,
      [dueAt, ...rows.parameters],
    );
  }

  /**
   * Settles attempts together with their outcome events, in one statement (atomic, one round
   * trip for the whole batch). An attempt whose lease was taken over in the meantime (its attempt
   * number is no longer the row's) changes nothing and announces nothing. A mail sent to a
   * requester is recorded in the ticket's thread; a settled reply forgets its text (personal data,
   * needed no more).
   */
  async complete(records: readonly AttemptRecord[], now: Date): Promise<number> {
    if (records.length === 0) return 0;
    const rows = unnestRows('r', ATTEMPT_COLUMNS, records, { first: 2, ordinality: 'position' });
    const [row] = await this.dataSource.query<{ settled: number }[]>(
      `WITH r AS (
         SELECT * FROM ${rows.source}
       ), updated AS (
         UPDATE notification.deliveries d
            SET state = r.state,
                next_attempt_at = COALESCE(r.next_attempt_at, d.next_attempt_at),
                channel = r.channel,
                last_error = r.last_error,
                body = CASE WHEN r.state <> 'pending' AND d.kind = '${REPLY_KIND}' THEN '' ELSE d.body END,
                updated_at = $1,
                completed_at = CASE WHEN r.state = 'pending' THEN NULL ELSE $1::timestamptz END
           FROM r
          WHERE d.notification_id = r.notification_id AND d.attempts = r.attempt AND d.state = 'pending'
         RETURNING d.notification_id, d.ticket_id
       ), announced AS (
         INSERT INTO notification.outbox (${OUTBOX_NAMES})
         SELECT ${OUTBOX_NAMES}
           FROM r JOIN updated USING (notification_id)
          ORDER BY r.position
         ON CONFLICT (event_id) DO NOTHING
       ), threaded AS (
         INSERT INTO notification.ticket_mails (ticket_id, message_id, sent_at)
         SELECT updated.ticket_id, r.mail_message_id, $1
           FROM r JOIN updated USING (notification_id)
          WHERE r.mail_message_id IS NOT NULL
          ORDER BY r.position
         ON CONFLICT (message_id) DO NOTHING
       )
       SELECT count(*)::int AS settled FROM updated`,
      [now, ...rows.parameters],
    );
    return row?.settled ?? 0;
  }

  /** Deletes up to `limit` deliveries settled before `cutoff`; returns how many went. */
  async deleteSettledBefore(cutoff: Date, limit: number): Promise<number> {
    const rows = await updateReturning<{ notification_id: string }>(
      this.dataSource,
      `DELETE FROM notification.deliveries
        WHERE notification_id IN (
              SELECT notification_id FROM notification.deliveries
               WHERE state <> 'pending' AND completed_at < $1
               LIMIT $2)
       RETURNING notification_id`,
      [cutoff, limit],
    );
    return rows.length;
  }

  async findStatus(notificationId: string): Promise<DeliveryStatus | undefined> {
    const rows = await this.dataSource.query<
      {
        notification_id: string;
        ticket_id: string;
        audience: Audience;
        kind: NotificationKind;
        state: DeliveryState;
        attempts: number;
        channel: string | null;
        last_error: string | null;
        next_attempt_at: Date;
      }[]
    >(
      `SELECT notification_id, ticket_id, audience, kind, state, attempts, channel, last_error, next_attempt_at
         FROM notification.deliveries WHERE notification_id = $1`,
      [notificationId],
    );
    const row = rows[0];
    return (
      row && {
        notificationId: row.notification_id,
        ticketId: row.ticket_id,
        audience: row.audience,
        kind: row.kind,
        state: row.state,
        attempts: row.attempts,
        channel: row.channel,
        lastError: row.last_error,
        nextAttemptAt: row.next_attempt_at,
      }
    );
  }
}

function toClaimed(row: DeliveryRow): ClaimedDelivery {
  return {
    notificationId: row.notification_id,
    ticketId: row.ticket_id,
    reference: row.reference,
    kind: row.kind,
    audience: row.audience,
    recipient: row.recipient,
    locale: row.locale,
    subject: row.subject,
    body: row.body,
    alertId: row.alert_id,
    escalationLevel: row.escalation_level,
    createdAt: row.created_at,
    attempt: row.attempts,
    urgency: row.urgency,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    traceparent: row.traceparent,
  };
}
