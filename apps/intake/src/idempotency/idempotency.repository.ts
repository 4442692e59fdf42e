import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { column, unnestRows } from '#platform';
import { NO_OWNERSHIP_WRITE, ownershipStatements } from '../conversations/ticket-owners.repository.js';
import type { OwnershipWrite } from '../conversations/ticket-owners.repository.js';

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
  /** The request joined the ticket `ticketId` as this message (null: it started that ticket). */
  readonly messageId: string | null;
  /** The ticket it started names this older one (a follow-up after the reopen window). */
  readonly relatedTicketId: string | null;
  readonly completed: boolean;
  /** Older than its time to live: the key may not be used again. */
  readonly expired: boolean;
}

interface Row {
  body_sha256: string;
  ticket_id: string;
  reference: string;
  received_at: Date;
  message_id: string | null;
  related_ticket_id: string | null;
  completed_at: Date | null;
  expired: boolean;
}

const RECORD_COLUMNS = 'body_sha256, ticket_id, reference, received_at, message_id, related_ticket_id, completed_at';

const withClause = (ctes: readonly string[]): string => (ctes.length === 0 ? '' : `WITH ${ctes.join(', ')} `);

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
         INSERT INTO intake.idempotency_keys (principal, key, body_sha256, ticket_id, reference, received_at, message_id, related_ticket_id)
         VALUES ($1, $2, $3, $4, $5, $6, $8, $9)
         ON CONFLICT (principal, key) DO NOTHING
         RETURNING ${RECORD_COLUMNS}, false AS expired)
       SELECT * FROM inserted
       UNION ALL
       SELECT ${RECORD_COLUMNS}, created_at < now() - make_interval(hours => $7) AS expired
         FROM intake.idempotency_keys
        WHERE principal = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM inserted)`,
      [
        principal,
        key,
        record.bodySha256,
        record.ticketId,
        record.reference,
        record.receivedAt,
        ttlHours,
        record.messageId,
        record.relatedTicketId,
      ],
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
      messageId: row.message_id,
      relatedTicketId: row.related_ticket_id,
      completed: row.completed_at !== null,
      expired: row.expired,
    };
  }

  private async find(principal: string, key: string, ttlHours: number): Promise<Row | undefined> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT ${RECORD_COLUMNS}, created_at < now() - make_interval(hours => $3) AS expired
         FROM intake.idempotency_keys WHERE principal = $1 AND key = $2`,
      [principal, key, ttlHours],
    );
    return rows[0];
  }

  /** The request is in Kafka: its key is completed, with what it changes in the tickets' ownership. */
  async complete(principal: string, key: string, ownership: OwnershipWrite = NO_OWNERSHIP_WRITE): Promise<void> {
    const { ctes, parameters } = ownershipStatements(ownership, 3);
    await this.dataSource.query(
      `${withClause(ctes)}UPDATE intake.idempotency_keys SET completed_at = now() WHERE principal = $1 AND key = $2 AND completed_at IS NULL`,
      [principal, key, ...parameters],
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

  /** The requests now in Kafka, with the owners of their new tickets and the tickets they followed up, in one statement. */
  async markPublished(
    published: readonly PublishedRequest[],
    ownership: OwnershipWrite = NO_OWNERSHIP_WRITE,
  ): Promise<void> {
    if (published.length === 0) return;
    const rows = unnestRows('p', PUBLISHED_COLUMNS, published);
    const { ctes, parameters } = ownershipStatements(ownership, rows.next);
    await this.dataSource.query(
      `${withClause(ctes)}INSERT INTO intake.upstream_requests (${rows.names}) SELECT ${rows.names} FROM ${rows.source} ON CONFLICT (request_id) DO NOTHING`,
      [...rows.parameters, ...parameters],
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
