import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Channel } from '#contracts';
import { column, unnestRows } from '#platform';
import type { NewTicketOwner, ResolutionChange, TicketOwner } from './follow-up.js';

const OWNER_COLUMNS = [
  column<NewTicketOwner>('ticket_id', 'text', (owner) => owner.ticketId),
  column<NewTicketOwner>('reference', 'text', (owner) => owner.reference),
  column<NewTicketOwner>('channel', 'text', (owner) => owner.channel),
  column<NewTicketOwner>('owner', 'text', (owner) => owner.owner),
];

const RESOLUTION_COLUMNS = [
  column<ResolutionChange>('ticket_id', 'text', (change) => change.ticketId),
  column<ResolutionChange>('resolved', 'boolean', (change) => change.resolved),
  column<ResolutionChange>('at', 'timestamptz', (change) => change.at),
];

/** What accepting requests changes in `intake.ticket_owners`: the owners of new tickets, the tickets followed up. */
export interface OwnershipWrite {
  readonly owners: readonly NewTicketOwner[];
  /** Tickets that received a follow-up at `at`: resolved before that, they are no longer. */
  readonly followedUp: readonly string[];
  readonly at: string;
}

export const NO_OWNERSHIP_WRITE: OwnershipWrite = { owners: [], followedUp: [], at: new Date(0).toISOString() };

/**
 * The write as common table expressions, to prefix another statement with (`WITH ... <statement>`)
 * so that it lands with that statement's own rows, at once; parameters numbered from `first`.
 */
export function ownershipStatements(
  write: OwnershipWrite,
  first: number,
): { readonly ctes: string[]; readonly parameters: unknown[] } {
  const ctes: string[] = [];
  const parameters: unknown[] = [];
  let next = first;
  if (write.owners.length > 0) {
    const rows = unnestRows('o', OWNER_COLUMNS, write.owners, { first: next });
    ctes.push(
      `owned AS (INSERT INTO intake.ticket_owners (${rows.names}) SELECT ${rows.names} FROM ${rows.source} ON CONFLICT (ticket_id) DO NOTHING)`,
    );
    parameters.push(...rows.parameters);
    next = rows.next;
  }
  if (write.followedUp.length > 0) {
    ctes.push(
      `followed_up AS (UPDATE intake.ticket_owners SET resolved_at = NULL WHERE ticket_id = ANY($${next}::text[]) AND resolved_at <= $${next + 1}::timestamptz)`,
    );
    parameters.push([...write.followedUp], write.at);
  }
  return { ctes, parameters };
}

interface OwnerRow {
  ticket_id: string;
  reference: string;
  channel: Channel;
  owner: string | null;
  resolved_at: Date | null;
}

/** Owns `intake.ticket_owners`: whose each accepted ticket is, and whether it is resolved. */
@Injectable()
export class TicketOwnersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The tickets known under these references, in one query whatever their number. */
  async findByReferences(references: readonly string[]): Promise<TicketOwner[]> {
    if (references.length === 0) return [];
    const rows = await this.dataSource.query<OwnerRow[]>(
      `SELECT ticket_id, reference, channel, owner, resolved_at FROM intake.ticket_owners WHERE reference = ANY($1::text[])`,
      [[...new Set(references)]],
    );
    return rows.map((row) => ({
      ticketId: row.ticket_id,
      reference: row.reference,
      channel: row.channel,
      owner: row.owner,
      resolvedAt: row.resolved_at,
    }));
  }

  async write(write: OwnershipWrite): Promise<void> {
    const { ctes, parameters } = ownershipStatements(write, 1);
    if (ctes.length === 0) return;
    await this.dataSource.query(`WITH ${ctes.join(', ')} SELECT 1`, parameters);
  }

  /** A resolution sets resolved_at; a reopening clears it, unless it predates the resolution. */
  async applyResolutions(changes: readonly ResolutionChange[]): Promise<void> {
    if (changes.length === 0) return;
    const rows = unnestRows('c', RESOLUTION_COLUMNS, changes);
    await this.dataSource.query(
      `UPDATE intake.ticket_owners o
          SET resolved_at = CASE WHEN c.resolved THEN c.at WHEN o.resolved_at <= c.at THEN NULL ELSE o.resolved_at END
         FROM ${rows.source}
        WHERE o.ticket_id = c.ticket_id`,
      rows.parameters,
    );
  }

  /** Erasure: the tickets' owners are forgotten, and a follow-up no longer finds them. */
  async forgetTickets(ticketIds: readonly string[]): Promise<number> {
    if (ticketIds.length === 0) return 0;
    const rows = await this.dataSource.query<{ count: number }[]>(
      `WITH deleted AS (DELETE FROM intake.ticket_owners WHERE ticket_id = ANY($1::text[]) RETURNING 1)
       SELECT count(*)::int AS count FROM deleted`,
      [ticketIds],
    );
    return rows[0]?.count ?? 0;
  }
}
