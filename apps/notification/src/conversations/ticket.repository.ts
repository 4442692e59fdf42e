import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Channel, Locale, Queue } from '#contracts';
import { column, unnestRows } from '#platform';

/** What notification knows of a ticket to address its conversation, days later (no personal data). */
export interface TicketFacts {
  readonly ticketId: string;
  readonly reference: string;
  readonly channel: Channel;
  readonly locale: Locale;
  /** Null until the routing decision is seen. */
  readonly queue: Queue | null;
  /** The latest assignee: routing's, then each `assigned` lifecycle event's. */
  readonly assignee: string | null;
  readonly resolvedAt: Date | null;
}

export type SubmittedFacts = Pick<TicketFacts, 'ticketId' | 'reference' | 'channel' | 'locale'>;
export type RoutedFacts = Pick<TicketFacts, 'ticketId' | 'reference' | 'channel' | 'locale' | 'queue' | 'assignee'>;

const SUBMITTED_COLUMNS = [
  column<SubmittedFacts>('ticket_id', 'text', (ticket) => ticket.ticketId),
  column<SubmittedFacts>('reference', 'text', (ticket) => ticket.reference),
  column<SubmittedFacts>('channel', 'text', (ticket) => ticket.channel),
  column<SubmittedFacts>('locale', 'text', (ticket) => ticket.locale),
];

const ROUTED_COLUMNS = [
  ...SUBMITTED_COLUMNS,
  column<RoutedFacts>('queue', 'text', (ticket) => ticket.queue),
  column<RoutedFacts>('assignee', 'text', (ticket) => ticket.assignee),
];

interface TicketRow {
  ticket_id: string;
  reference: string;
  channel: Channel;
  locale: Locale;
  queue: Queue | null;
  assignee: string | null;
  resolved_at: Date | null;
}

/**
 * Owns notification.tickets. The submitted and routed events travel on two topics and lifecycle
 * events on a third, in any order: each writes only what it knows, and an assignment is kept
 * against an older one (the routing decision never overrides an `assigned` event).
 */
@Injectable()
export class TicketRepository {
  constructor(private readonly dataSource: DataSource) {}

  async recordSubmitted(tickets: readonly SubmittedFacts[], now: Date): Promise<void> {
    if (tickets.length === 0) return;
    const rows = unnestRows('t', SUBMITTED_COLUMNS, tickets, { first: 2 });
    await this.dataSource.query(
      `INSERT INTO notification.tickets (${rows.names}, updated_at)
       SELECT DISTINCT ON (ticket_id) ${rows.names}, $1::timestamptz FROM ${rows.source}
       ON CONFLICT (ticket_id) DO NOTHING`,
      [now, ...rows.parameters],
    );
  }

  async recordRouted(tickets: readonly RoutedFacts[], now: Date): Promise<void> {
    if (tickets.length === 0) return;
    const rows = unnestRows('t', ROUTED_COLUMNS, tickets, { first: 2 });
    await this.dataSource.query(
      `INSERT INTO notification.tickets AS existing (${rows.names}, updated_at)
       SELECT DISTINCT ON (ticket_id) ${rows.names}, $1::timestamptz FROM ${rows.source}
       ON CONFLICT (ticket_id) DO UPDATE
          SET queue = EXCLUDED.queue,
              assignee = CASE WHEN existing.assigned_at IS NULL THEN EXCLUDED.assignee ELSE existing.assignee END,
              updated_at = EXCLUDED.updated_at`,
      [now, ...rows.parameters],
    );
  }

  /**
   * An `assigned` event: the ticket is the agent's (none: back to the queue) unless a later
   * assignment was seen already.
   */
  async assign(ticketId: string, agentId: string | null, at: Date, now: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE notification.tickets SET assignee = $2, assigned_at = $3, updated_at = $4
        WHERE ticket_id = $1 AND (assigned_at IS NULL OR assigned_at <= $3)`,
      [ticketId, agentId, at, now],
    );
  }

  async markResolved(ticketId: string, at: Date, now: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE notification.tickets SET resolved_at = $2, updated_at = $3 WHERE ticket_id = $1`,
      [ticketId, at, now],
    );
  }

  /** Reopened (by an agent, or by the requester's follow-up): unresolved unless resolved again since. */
  async markReopened(ticketIds: readonly { ticketId: string; at: Date }[], now: Date): Promise<void> {
    for (const { ticketId, at } of ticketIds) {
      await this.dataSource.query(
        `UPDATE notification.tickets SET resolved_at = NULL, updated_at = $3
          WHERE ticket_id = $1 AND resolved_at IS NOT NULL AND resolved_at <= $2`,
        [ticketId, at, now],
      );
    }
  }

  async find(ticketIds: readonly string[]): Promise<Map<string, TicketFacts>> {
    if (ticketIds.length === 0) return new Map();
    const rows = await this.dataSource.query<TicketRow[]>(
      `SELECT ticket_id, reference, channel, locale, queue, assignee, resolved_at
         FROM notification.tickets WHERE ticket_id = ANY($1::text[])`,
      [ticketIds],
    );
    return new Map(rows.map((row) => [row.ticket_id, toFacts(row)]));
  }

  /** The Message-IDs of the mails sent to the ticket's requester, oldest first. */
  async mailsOf(ticketId: string): Promise<string[]> {
    const rows = await this.dataSource.query<{ message_id: string }[]>(
      `SELECT message_id FROM notification.ticket_mails WHERE ticket_id = $1 ORDER BY seq`,
      [ticketId],
    );
    return rows.map((row) => row.message_id);
  }

  /** Forgets tickets resolved before `cutoff`, with the Message-IDs of their mails. */
  async deleteResolvedBefore(cutoff: Date): Promise<number> {
    const rows = await this.dataSource.query<{ count: number }[]>(
      `WITH gone AS (
         DELETE FROM notification.tickets WHERE resolved_at < $1 RETURNING ticket_id
       ), mails AS (
         DELETE FROM notification.ticket_mails WHERE ticket_id IN (SELECT ticket_id FROM gone)
       )
       SELECT count(*)::int AS count FROM gone`,
      [cutoff],
    );
    return rows[0]?.count ?? 0;
  }
}

function toFacts(row: TicketRow): TicketFacts {
  return {
    ticketId: row.ticket_id,
    reference: row.reference,
    channel: row.channel,
    locale: row.locale,
    queue: row.queue,
    assignee: row.assignee,
    resolvedAt: row.resolved_at,
  };
}
