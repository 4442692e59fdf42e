import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { IncomingEvent } from '../audit/event-sealer.js';
import { HistoryRepository, lockChainHead } from '../recording/history.repository.js';

export interface SubjectTickets {
  readonly ticketIds: readonly string[];
  readonly orgIds: ReadonlySet<string | null>;
  /** Whether any key was ever made for the subject. */
  readonly known: boolean;
}

export interface ErasurePlan {
  /** The subject's own reference and those of their tickets (free text about a ticket is theirs). */
  readonly refs: readonly string[];
  readonly subjectRef: string;
  /** Refuses the erasure (nothing is changed) when it returns an error. */
  readonly check: (tickets: SubjectTickets) => Error | undefined;
  /** The chain entry recording the erasure. */
  readonly record: (outcome: { keysDestroyed: number; tickets: number; erasedAt: string }) => IncomingEvent;
}

export interface ErasureOutcome {
  readonly keysDestroyed: number;
  readonly tickets: number;
  readonly erasedAt: string;
  readonly auditSeq: string;
}

/** Destroys a subject's keys and records it, under the chain lock so that no append races it. */
@Injectable()
export class ErasureRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly history: HistoryRepository,
  ) {}

  async erase(plan: ErasurePlan, ticketRef: (ticketId: string) => string): Promise<ErasureOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const head = await lockChainHead(manager);
      const tickets = await manager.query<{ ticket_id: string; org_id: string | null }[]>(
        `SELECT ticket_id, org_id FROM history.tickets WHERE subject_ref = $1`,
        [plan.subjectRef],
      );
      const ticketIds = tickets.map((row) => row.ticket_id);
      const refs = [...plan.refs, ...ticketIds.map(ticketRef)];
      const known = await manager.query<{ known: boolean }[]>(
        `SELECT EXISTS (SELECT 1 FROM history.subject_keys WHERE subject_ref = ANY($1::text[])) AS known`,
        [refs],
      );
      const refusal = plan.check({ ticketIds, orgIds: new Set(tickets.map((row) => row.org_id)), known: known[0]?.known === true });
      if (refusal) throw refusal;
      // A SELECT around the UPDATE: TypeORM answers a bare UPDATE ... RETURNING with [rows, count].
      const destroyed = await manager.query<{ count: number }[]>(
        `WITH destroyed AS (
           UPDATE history.subject_keys SET wrapped_key = NULL, destroyed_at = now() WHERE subject_ref = ANY($1::text[]) AND wrapped_key IS NOT NULL RETURNING key_id
         ) SELECT count(*)::int AS count FROM destroyed`,
        [refs],
      );
      const erasedAt = new Date().toISOString();
      await manager.query(
        `UPDATE history.tickets SET personal_data_erased_at = COALESCE(personal_data_erased_at, $2::timestamptz), updated_at = now() WHERE subject_ref = $1`,
        [plan.subjectRef, erasedAt],
      );
      const outcome = { keysDestroyed: destroyed[0]?.count ?? 0, tickets: ticketIds.length, erasedAt };
      await this.history.appendLocked(manager, head, [plan.record(outcome)]);
      return { ...outcome, auditSeq: (head.lastSeq + 1n).toString() };
    });
  }
}
