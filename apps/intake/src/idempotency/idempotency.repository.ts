import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { column, unnestRows } from '#platform';

interface PublishedRequest {
  readonly requestId: string;
  readonly ticketId: string;
}

const PUBLISHED_COLUMNS = [
  column<PublishedRequest>('request_id', 'text', (request) => request.requestId),
  column<PublishedRequest>('ticket_id', 'text', (request) => request.ticketId),
];

export interface IdempotencyRecord {
  readonly bodySha256: string;
  readonly ticketId: string;
  readonly reference: string;
  readonly receivedAt: string;
  readonly completed: boolean;
  /** Older than its time to live: the key may not be used again. */
  readonly expired: boolean;
}

interface Row {
  body_sha256: string;
  ticket_id: string;
  reference: string;
  received_at: Date;
  completed_at: Date | null;
  expired: boolean;
}

/** Rows deleted per statement by the purges: no statement holds many locks or much memory. */
export const PURGE_BATCH = 5_000;

/** Owns intake's tables: idempotency keys of HTTP callers and requestIds already published. */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records the key with this request's data, or returns what was recorded first for it. */
  async claim(
    principal: string,
    key: string,
    record: Omit<IdempotencyRecord, 'completed' | 'expired'>,
    ttlHours: number,
  ): Promise<IdempotencyRecord> {
    const rows = await this.dataSource.query<Row[]>(
      `WITH inserted AS (
         INSERT INTO intake.idempotency_keys (principal, key, body_sha256, ticket_id, reference, received_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (principal, key) DO NOTHING
         RETURNING body_sha256, ticket_id, reference, received_at, completed_at, false AS expired)
       SELECT * FROM inserted
       UNION ALL
       SELECT body_sha256, ticket_id, reference, received_at, completed_at, created_at < now() - make_interval(hours => $7) AS expired
         FROM intake.idempotency_keys
        WHERE principal = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM inserted)`,
      [principal, key, record.bodySha256, record.ticketId, record.reference, record.receivedAt, ttlHours],
    );
    // A concurrent first claim of the same key: the insert waited for it and did nothing, but the
    // statement's snapshot predates it. It is committed now: a new statement sees it.
    const row = rows[0] ?? (await this.find(principal, key, ttlHours));
    if (!row) throw new Error('idempotency key neither inserted nor found');
    return {
      bodySha256: row.body_sha256,
      ticketId: row.ticket_id,
      reference: row.reference,
      receivedAt: row.received_at.toISOString(),
      completed: row.completed_at !== null,
      expired: row.expired,
    };
  }

  private async find(principal: string, key: string, ttlHours: number): Promise<Row | undefined> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT body_sha256, ticket_id, reference, received_at, completed_at, created_at < now() - make_interval(hours => $3) AS expired
         FROM intake.idempotency_keys WHERE principal = $1 AND key = $2`,
      [principal, key, ttlHours],
    );
    return rows[0];
  }

  async complete(principal: string, key: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE intake.idempotency_keys SET completed_at = now() WHERE principal = $1 AND key = $2 AND completed_at IS NULL`,
      [principal, key],
    );
  }

  /**
   * Forgets keys older than their TTL plus the tombstone period (until then, an expired key is
   * refused rather than forgotten), one bounded batch per call; returns how many went.
   */
  async purgeKeysOlderThan(hours: number, batch = PURGE_BATCH): Promise<number> {
    return this.deleteCount(
      `DELETE FROM intake.idempotency_keys WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM intake.idempotency_keys WHERE created_at < now() - make_interval(hours => $1) LIMIT $2))`,
      [hours, batch],
    );
  }

  /** Forgets requestIds published longer ago than the duplicate check looks, one bounded batch per call. */
  async purgePublishedOlderThan(days: number, batch = PURGE_BATCH): Promise<number> {
    return this.deleteCount(
      `DELETE FROM intake.upstream_requests WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM intake.upstream_requests WHERE published_at < now() - make_interval(days => $1) LIMIT $2))`,
      [days, batch],
    );
  }

  /** Erasure: what intake keeps about these tickets (the caller's id in the key's principal, the request ids). */
  async forgetTickets(ticketIds: readonly string[]): Promise<number> {
    if (ticketIds.length === 0) return 0;
    const keys = await this.deleteCount(`DELETE FROM intake.idempotency_keys WHERE ticket_id = ANY($1::text[])`, [
      ticketIds,
    ]);
    const requests = await this.deleteCount(`DELETE FROM intake.upstream_requests WHERE ticket_id = ANY($1::text[])`, [
      ticketIds,
    ]);
    return keys + requests;
  }

  /** requestIds of upstream events already turned into a published ticket. */
  async publishedRequestIds(requestIds: readonly string[]): Promise<Set<string>> {
    if (requestIds.length === 0) return new Set();
    const rows = await this.dataSource.query<{ request_id: string }[]>(
      `SELECT request_id FROM intake.upstream_requests WHERE request_id = ANY($1)`,
      [requestIds],
    );
    return new Set(rows.map((row) => row.request_id));
  }

  async markPublished(published: readonly PublishedRequest[]): Promise<void> {
    if (published.length === 0) return;
    const rows = unnestRows('p', PUBLISHED_COLUMNS, published);
    await this.dataSource.query(
      `INSERT INTO intake.upstream_requests (${rows.names}) SELECT ${rows.names} FROM ${rows.source} ON CONFLICT (request_id) DO NOTHING`,
      rows.parameters,
    );
  }

  /** The row count of a DELETE (TypeORM answers a bare DELETE with [rows, count]). */
  private async deleteCount(sql: string, parameters: unknown[]): Promise<number> {
    const rows = await this.dataSource.query<{ count: number }[]>(
      `WITH deleted AS (${sql} RETURNING 1) SELECT count(*)::int AS count FROM deleted`,
      parameters,
    );
    return rows[0]?.count ?? 0;
  }
}
