import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventSealer } from '../audit/event-sealer.js';
import type { IncomingEvent, PreparedEvent, SealedEvent } from '../audit/event-sealer.js';
import { needsTicketSubject } from '../privacy/personal-data.js';
import { ensureSubjectKeys } from '../privacy/subject-keys.js';
import type { Queryable } from '../privacy/subject-keys.js';
import { SubjectVault } from '../privacy/subject-vault.js';
import { applyProjection, planProjection } from './ticket-projection.js';

export interface ChainHead {
  readonly lastSeq: bigint;
  readonly lastHash: Buffer;
}

/** Locks the head of the chain until the transaction ends: appends are serialised, so the chain has no forks. */
export async function lockChainHead(db: Queryable): Promise<ChainHead> {
  const rows = await db.query<{ last_seq: string; last_hash: Buffer }[]>(`SELECT last_seq, last_hash FROM history.chain_head WHERE id = 1 FOR UPDATE`);
  const row = rows[0];
  if (!row) throw new Error('history.chain_head has no row: migrations have not run');
  return { lastSeq: BigInt(row.last_seq), lastHash: row.last_hash };
}

/** Owns every write to the event store. */
@Injectable()
export class HistoryRepository {
  private readonly sealer: EventSealer;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SubjectVault) private readonly vault: SubjectVault,
  ) {
    this.sealer = new EventSealer(vault);
  }

  /**
   * Appends the events not seen before (by `ce_id`) to the chain and applies their projection, in
   * one transaction: when this resolves the whole batch is durable and offsets may be committed.
   */
  async append(events: readonly IncomingEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    return this.dataSource.transaction(async (manager) => {
      const head = await lockChainHead(manager);
      const fresh = await this.unseen(manager, events);
      if (fresh.length === 0) return 0;
      const prepared = await this.appendLocked(manager, head, fresh);
      await applyProjection(manager, planProjection(prepared.map((item) => ({ topic: item.event.topic, payload: item.event.payload, requesterRef: item.requesterRef }))));
      return prepared.length;
    });
  }

  /** Appends events whose ids are known to be new; the caller holds the chain lock (`lockChainHead`). */
  async appendLocked(db: Queryable, head: ChainHead, events: readonly IncomingEvent[]): Promise<PreparedEvent[]> {
    const ticketSubjects = await this.ticketSubjects(db, events);
    const prepared = events.map((event) => {
      const item = this.sealer.prepare(event, (ticketId) => ticketSubjects.get(ticketId));
      if (item.requesterRef !== null && event.ticketId !== null) ticketSubjects.set(event.ticketId, item.requesterRef);
      return item;
    });
    const refs = new Set(prepared.flatMap((item) => (item.subjectRef === null ? [] : [item.subjectRef])));
    const keys = await ensureSubjectKeys(db, this.vault, refs);
    const recordedAt = new Date().toISOString();
    let previous = head.lastHash;
    let seq = head.lastSeq;
    const sealed: SealedEvent[] = prepared.map((item) => {
      seq += 1n;
      const result = this.sealer.seal(item, seq, previous, recordedAt, item.subjectRef === null ? undefined : keys.get(item.subjectRef));
      previous = result.hash;
      return result;
    });
    await insertSealed(db, sealed);
    await db.query(`UPDATE history.chain_head SET last_seq = $1, last_hash = $2, updated_at = now() WHERE id = 1`, [seq.toString(), previous]);
    return prepared;
  }

  private async unseen(db: Queryable, events: readonly IncomingEvent[]): Promise<IncomingEvent[]> {
    const rows = await db.query<{ ce_id: string }[]>(`SELECT ce_id FROM history.events WHERE ce_id = ANY($1::text[])`, [events.map((event) => event.ceId)]);
    const seen = new Set(rows.map((row) => row.ce_id));
    return events.filter((event) => {
      if (seen.has(event.ceId)) return false;
      seen.add(event.ceId);
      return true;
    });
  }

  /** Requesters of the tickets whose events carry personal data but do not name one. */
  private async ticketSubjects(db: Queryable, events: readonly IncomingEvent[]): Promise<Map<string, string>> {
    const ticketIds = new Set(events.filter((event) => event.ticketId !== null && needsTicketSubject(event.topic, event.payload)).map((event) => event.ticketId as string));
    if (ticketIds.size === 0) return new Map();
    const rows = await db.query<{ ticket_id: string; subject_ref: string }[]>(
      `SELECT ticket_id, subject_ref FROM history.tickets WHERE ticket_id = ANY($1::text[]) AND subject_ref IS NOT NULL`,
      [[...ticketIds]],
    );
    return new Map(rows.map((row) => [row.ticket_id, row.subject_ref]));
  }
}

async function insertSealed(db: Queryable, sealed: readonly SealedEvent[]): Promise<void> {
  const column = <T>(pick: (item: SealedEvent) => T): T[] => sealed.map(pick);
  await db.query(
    `INSERT INTO history.events (seq, ce_id, ticket_id, topic, type, source, occurred_at, recorded_at, kafka_partition, kafka_offset,
                                 payload, subject_ref, key_id, personal_data, prev_hash, hash)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[],
                          $9::int[], $10::bigint[], $11::jsonb[], $12::text[], $13::uuid[], $14::bytea[], $15::bytea[], $16::bytea[])`,
    [
      column((item) => item.entry.seq),
      column((item) => item.entry.ceId),
      column((item) => item.entry.ticketId),
      column((item) => item.entry.topic),
      column((item) => item.entry.type),
      column((item) => item.entry.source),
      column((item) => item.entry.occurredAt),
      column((item) => item.entry.recordedAt),
      column((item) => item.entry.partition),
      column((item) => item.entry.offset),
      column((item) => JSON.stringify(item.entry.payload)),
      column((item) => item.entry.subjectRef),
      column((item) => item.entry.keyId),
      column((item) => item.entry.personalData),
      column((item) => item.prevHash),
      column((item) => item.hash),
    ],
  );
}
