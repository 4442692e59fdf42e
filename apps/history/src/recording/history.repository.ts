import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { TicketProjectionUpdate } from './ticket-projection.js';

export interface StoredEvent {
  readonly ceId: string;
  readonly ticketId: string | null;
  readonly topic: string;
  readonly type: string;
  readonly source: string | null;
  readonly occurredAt: string;
  readonly partition: number;
  readonly offset: string;
  readonly payload: unknown;
}

/** Owns every write of the history service. */
@Injectable()
export class HistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends the events not seen before (by `ce_id`) and applies their projection updates, all in
   * one transaction: when this resolves, the whole batch is durable and offsets may be committed.
   */
  async append(events: readonly StoredEvent[], project: (event: StoredEvent) => TicketProjectionUpdate | null): Promise<number> {
    if (events.length === 0) return 0;
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<{ ce_id: string }[]>(
        `INSERT INTO history.events (ce_id, ticket_id, topic, type, source, occurred_at, kafka_partition, kafka_offset, payload)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::int[], $8::bigint[], $9::jsonb[])
         ON CONFLICT (ce_id) DO NOTHING
         RETURNING ce_id`,
        [
          events.map((event) => event.ceId),
          events.map((event) => event.ticketId),
          events.map((event) => event.topic),
          events.map((event) => event.type),
          events.map((event) => event.source),
          events.map((event) => event.occurredAt),
          events.map((event) => event.partition),
          events.map((event) => event.offset),
          events.map((event) => JSON.stringify(event.payload)),
        ],
      );
      const inserted = new Set(rows.map((row) => row.ce_id));
      const applied = new Set<string>();
      for (const event of events) {
        if (!inserted.has(event.ceId) || applied.has(event.ceId)) continue;
        applied.add(event.ceId);
        const update = project(event);
        if (update) await this.applyProjection(manager, update);
      }
      return inserted.size;
    });
  }

  private async applyProjection(manager: EntityManager, update: TicketProjectionUpdate): Promise<void> {
    await manager.query(update.sql, [...update.parameters]);
  }
}
