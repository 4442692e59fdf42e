import type { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { TOPIC_CATALOGUE } from '#contracts';
import { column, unnestRows } from '../sql-rows.js';
import type { TopicName } from '#contracts';
import { updateReturning } from '../updated-rows.js';
import type { OutboxEvent } from './outbox-event.js';

interface OutboxRow {
  seq: string;
  event_id: string;
  topic: string;
  message_key: string;
  payload: unknown;
  event_time: Date;
  correlation_id: string | null;
  causation_id: string | null;
  traceparent: string | null;
}

export interface RelayedEvent {
  readonly id: string;
  readonly topic: TopicName;
  readonly key: string;
  readonly payload: unknown;
  readonly time: string;
  readonly correlationId: string | null;
  readonly causationId: string | null;
  readonly traceparent: string | null;
}

/** An event's outbox row, as written. */
export const OUTBOX_COLUMNS = [
  column<OutboxEvent>('event_id', 'text', (event) => event.id),
  column<OutboxEvent>('topic', 'text', (event) => event.topic),
  column<OutboxEvent>('message_key', 'text', (event) => event.key),
  column<OutboxEvent>('payload', 'jsonb', (event) => JSON.stringify(event.payload)),
  column<OutboxEvent>('event_time', 'timestamptz', (event) => event.time),
  column<OutboxEvent>('correlation_id', 'text', (event) => event.correlationId),
  column<OutboxEvent>('causation_id', 'text', (event) => event.causationId),
  column<OutboxEvent>('traceparent', 'text', (event) => event.traceparent),
];

const KNOWN_TOPICS = new Set<string>(TOPIC_CATALOGUE.map((spec) => spec.name));

/**
 * A service's transactional outbox, the table `<schema>.outbox` (see `outboxTableSql`): events are
 * added inside the transaction of the change that causes them, and relayed to Kafka afterwards, so a
 * crash or a Kafka outage never loses one.
 */
export class OutboxRepository {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = `${schema}.outbox`;
  }

  async add(manager: EntityManager, events: readonly OutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = unnestRows('e', OUTBOX_COLUMNS, events);
    await manager.query(
      `INSERT INTO ${this.table} (${rows.names}) SELECT ${rows.names} FROM ${rows.source} ON CONFLICT (event_id) DO NOTHING`,
      rows.parameters,
    );
  }

  /**
   * Hands the oldest waiting events to `publish` and deletes them once it resolves, in one
   * transaction: rows locked by another instance are skipped, and a failed publish keeps them.
   */
  async relay(limit: number, publish: (events: RelayedEvent[]) => Promise<void>): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      // Deleted inside the transaction: a failed publish rolls the deletion back.
      const rows = await updateReturning<OutboxRow>(
        manager,
        `DELETE FROM ${this.table}
          WHERE seq IN (SELECT seq FROM ${this.table} ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING seq, event_id, topic, message_key, payload, event_time, correlation_id, causation_id, traceparent`,
        [limit],
      );
      if (rows.length === 0) return 0;
      rows.sort((left, right) => Number(BigInt(left.seq) - BigInt(right.seq)));
      await publish(
        rows
          .filter((row) => KNOWN_TOPICS.has(row.topic))
          .map((row) => ({
            id: row.event_id,
            topic: row.topic as TopicName,
            key: row.message_key,
            payload: row.payload,
            time: row.event_time.toISOString(),
            correlationId: row.correlation_id,
            causationId: row.causation_id,
            traceparent: row.traceparent,
          })),
      );
      return rows.length;
    });
  }

  async waiting(): Promise<number> {
    const [row] = await this.dataSource.query<{ count: string }[]>(`SELECT count(*) AS count FROM ${this.table}`);
    return Number(row?.count ?? 0);
  }
}

/** The outbox table of a service's schema, for its migration. */
export function outboxTableSql(schema: string): string {
  return `CREATE TABLE ${schema}.outbox (
    seq            bigserial   PRIMARY KEY,
    event_id       text        NOT NULL UNIQUE,
    topic          text        NOT NULL,
    message_key    text        NOT NULL,
    payload        jsonb       NOT NULL,
    event_time     timestamptz NOT NULL,
    correlation_id text,
    causation_id   text,
    traceparent    text
  )`;
}
