import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AUDIT_DATA_SOURCE } from './audit-data-source.js';
import type { ChainHead } from '../recording/history.repository.js';

/** A stored event as the chain vouches for it. */
export interface ChainRow {
  seq: string;
  ce_id: string;
  ticket_id: string | null;
  topic: string;
  type: string;
  source: string | null;
  occurred_at: Date;
  recorded_at: Date;
  kafka_partition: number;
  kafka_offset: string;
  /** The stored JSON text, byte for byte. */
  payload_text: string;
  subject_ref: string | null;
  key_id: string | null;
  personal_data: Buffer | null;
  prev_hash: Buffer;
  hash: Buffer;
}

export interface ExportRow extends ChainRow {
  org_id: string | null;
}

export interface ExportFilter {
  readonly orgId?: string;
  readonly from?: string;
  readonly to?: string;
}

const CHAIN_COLUMNS = `e.seq, e.ce_id, e.ticket_id, e.topic, e.type, e.source, e.occurred_at, e.recorded_at, e.kafka_partition,
  e.kafka_offset::text AS kafka_offset, e.payload::text AS payload_text, e.subject_ref, e.key_id, e.personal_data, e.prev_hash, e.hash`;

/** Reads of the chain, page by page (keyset on seq: each page is one short query, memory stays flat). */
@Injectable()
export class AuditRepository {
  constructor(@Inject(AUDIT_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async head(): Promise<ChainHead> {
    const rows = await this.dataSource.query<{ last_seq: string; last_hash: Buffer }[]>(
      `SELECT last_seq, last_hash FROM history.chain_head WHERE id = 1`,
    );
    const row = rows[0];
    if (!row) throw new Error('history.chain_head has no row: migrations have not run');
    return { lastSeq: BigInt(row.last_seq), lastHash: row.last_hash };
  }

  async chainPage(afterSeq: bigint, upToSeq: bigint, limit: number): Promise<ChainRow[]> {
    return this.dataSource.query<ChainRow[]>(
      `SELECT ${CHAIN_COLUMNS} FROM history.events e WHERE e.seq > $1 AND e.seq <= $2 ORDER BY e.seq LIMIT $3`,
      [afterSeq.toString(), upToSeq.toString(), limit],
    );
  }

  /** Events of an organisation are those of its tickets; events of no ticket (rejections) are global only. */
  async exportPage(filter: ExportFilter, afterSeq: bigint, upToSeq: bigint, limit: number): Promise<ExportRow[]> {
    const parameters: unknown[] = [afterSeq.toString(), upToSeq.toString(), limit];
    const conditions = ['e.seq > $1', 'e.seq <= $2'];
    const bind = (value: unknown): string => {
      parameters.push(value);
      return `$${parameters.length}`;
    };
    if (filter.orgId !== undefined) conditions.push(`t.org_id = ${bind(filter.orgId)}`);
    if (filter.from !== undefined) conditions.push(`e.occurred_at >= ${bind(filter.from)}::timestamptz`);
    if (filter.to !== undefined) conditions.push(`e.occurred_at < ${bind(filter.to)}::timestamptz`);
    const join = filter.orgId !== undefined ? 'JOIN' : 'LEFT JOIN';
    return this.dataSource.query<ExportRow[]>(
      `SELECT ${CHAIN_COLUMNS}, t.org_id FROM history.events e ${join} history.tickets t ON t.ticket_id = e.ticket_id
       WHERE ${conditions.join(' AND ')} ORDER BY e.seq LIMIT $3`,
      parameters,
    );
  }
}
