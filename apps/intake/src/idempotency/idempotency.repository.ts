import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface IdempotencyRecord {
  readonly bodySha256: string;
  readonly ticketId: string;
  readonly reference: string;
  readonly receivedAt: string;
  readonly completed: boolean;
}

interface Row {
  body_sha256: string;
  ticket_id: string;
  reference: string;
  received_at: Date;
  completed_at: Date | null;
}

/** Owns intake's tables: idempotency keys of HTTP callers and requestIds already published. */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records the key with this request's data, or returns what was recorded first for it. */
  async claim(principal: string, key: string, record: Omit<IdempotencyRecord, 'completed'>): Promise<IdempotencyRecord> {
    const rows = await this.dataSource.query<Row[]>(
      `WITH inserted AS (
         INSERT INTO intake.idempotency_keys (principal, key, body_sha256, ticket_id, reference, received_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (principal, key) DO NOTHING
         RETURNING body_sha256, ticket_id, reference, received_at, completed_at)
       SELECT * FROM inserted
       UNION ALL
       SELECT body_sha256, ticket_id, reference, received_at, completed_at FROM intake.idempotency_keys
        WHERE principal = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM inserted)`,
      [principal, key, record.bodySha256, record.ticketId, record.reference, record.receivedAt],
    );
    const row = rows[0];
    if (!row) throw new Error('idempotency key neither inserted nor found');
    return {
      bodySha256: row.body_sha256,
      ticketId: row.ticket_id,
      reference: row.reference,
      receivedAt: row.received_at.toISOString(),
      completed: row.completed_at !== null,
    };
  }

  async complete(principal: string, key: string): Promise<void> {
    await this.dataSource.query(`UPDATE intake.idempotency_keys SET completed_at = now() WHERE principal = $1 AND key = $2 AND completed_at IS NULL`, [
      principal,
      key,
    ]);
  }

  async purgeOlderThan(hours: number): Promise<number> {
    const rows = await this.dataSource.query<{ key: string }[]>(
      `DELETE FROM intake.idempotency_keys WHERE created_at < now() - make_interval(hours => $1) RETURNING key`,
      [hours],
    );
    return rows.length;
  }

  /** requestIds of upstream events already turned into a published ticket. */
  async publishedRequestIds(requestIds: readonly string[]): Promise<Set<string>> {
    if (requestIds.length === 0) return new Set();
    const rows = await this.dataSource.query<{ request_id: string }[]>(`SELECT request_id FROM intake.upstream_requests WHERE request_id = ANY($1)`, [
      requestIds,
    ]);
    return new Set(rows.map((row) => row.request_id));
  }

  async markPublished(published: readonly { readonly requestId: string; readonly ticketId: string }[]): Promise<void> {
    if (published.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO intake.upstream_requests (request_id, ticket_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (request_id) DO NOTHING`,
      [published.map((item) => item.requestId), published.map((item) => item.ticketId)],
    );
  }
}
