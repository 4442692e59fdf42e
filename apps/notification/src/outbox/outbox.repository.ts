import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { TOPIC_CATALOGUE } from '#contracts';
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

const KNOWN_TOPICS = new Set<string>(TOPIC_CATALOGUE.map((spec) => spec.name));

/** Owns the outbox table: events are added inside the transaction of the change that causes them. */
@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  async add(manager: EntityManager, events: readonly OutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    await manager.query(
      `INSERT INTO notification.outbox (event_id, topic, message_key, payload, event_time, correlation_id, causation_id, traceparent)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[], $6::text[], $7::text[], $8::text[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        events.map((event) => event.id),
        events.map((event) => event.topic),
        events.map((event) => event.key),
        events.map((event) => JSON.stringify(event.payload)),
        events.map((event) => event.time),
        events.map((event) => event.correlationId),
        events.map((event) => event.causationId),
        events.map((event) => event.traceparent),
      ],
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
        `DELETE FROM notification.outbox
          WHERE seq IN (SELECT seq FROM notification.outbox ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
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
    const [row] = await this.dataSource.query<{ count: string }[]>(`SELECT count(*) AS count FROM notification.outbox`);
    return Number(row?.count ?? 0);
  }
}
