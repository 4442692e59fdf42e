import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { Queue, TicketStatus } from '#contracts';
import { column, unnestRows } from '#platform';
import { DeskMessage, DeskTicket, emptyTicket } from './desk-ticket.entity.js';
import type { StreamKind } from './ticket-changes.js';

/** A row of the agents' event stream, before it gets its sequence number. */
export interface NewStreamEvent {
  readonly ticketId: string;
  readonly queue: Queue | null;
  readonly assignee: string | null;
  readonly kind: StreamKind;
  readonly at: Date;
}

/** Which unresolved tickets of a queue someone may list. */
export interface QueueListing {
  readonly queue: Queue;
  readonly status?: TicketStatus;
  /** A PSM sees their own tickets and the pool's (no assignee); null: every ticket of the queue. */
  readonly ownOrUnassigned: string | null;
  readonly limit: number;
}

/** The channel every instance listens on: new stream events were committed. */
export const STREAM_CHANNEL = 'desk_stream';

const at = (name: string): ((ticket: DeskTicket) => Date | null) => {
  return (ticket) => (ticket as unknown as Record<string, Date | null>)[name] ?? null;
};

/** Every column but the key, as a batch of tickets is written back (one statement per poll). */
const TICKET_COLUMNS = [
  column<DeskTicket>('ticket_id', 'text', (ticket) => ticket.ticketId),
  column<DeskTicket>('reference', 'text', (ticket) => ticket.reference),
  column<DeskTicket>('request_id', 'text', (ticket) => ticket.requestId),
  column<DeskTicket>('queue', 'text', (ticket) => ticket.queue),
  column<DeskTicket>('status', 'text', (ticket) => ticket.status),
  column<DeskTicket>('priority', 'text', (ticket) => ticket.priority),
  column<DeskTicket>('sla_due_at', 'timestamptz', at('slaDueAt')),
  column<DeskTicket>('rule_id', 'text', (ticket) => ticket.ruleId),
  column<DeskTicket>('routing_reason', 'text', (ticket) => ticket.routingReason),
  column<DeskTicket>('channel', 'text', (ticket) => ticket.channel),
  column<DeskTicket>('request_type', 'text', (ticket) => ticket.requestType),
  column<DeskTicket>('urgency', 'text', (ticket) => ticket.urgency),
  column<DeskTicket>('locale', 'text', (ticket) => ticket.locale),
  column<DeskTicket>('org_id', 'text', (ticket) => ticket.orgId),
  column<DeskTicket>('subject', 'text', (ticket) => ticket.subject),
  column<DeskTicket>('message', 'text', (ticket) => ticket.message),
  column<DeskTicket>('requester_user_id', 'text', (ticket) => ticket.requesterUserId),
  column<DeskTicket>('requester_name', 'text', (ticket) => ticket.requesterName),
  column<DeskTicket>('requester_email', 'text', (ticket) => ticket.requesterEmail),
  column<DeskTicket>('requester_phone', 'text', (ticket) => ticket.requesterPhone),
  column<DeskTicket>('workspace_testing', 'boolean', (ticket) => ticket.workspaceTesting),
  column<DeskTicket>('received_at', 'timestamptz', at('receivedAt')),
  column<DeskTicket>('related_ticket_id', 'text', (ticket) => ticket.relatedTicketId),
  column<DeskTicket>('assignee', 'text', (ticket) => ticket.assignee),
  column<DeskTicket>('assigned', 'boolean', (ticket) => ticket.assigned),
  column<DeskTicket>('claimed_by', 'text', (ticket) => ticket.claimedBy),
  column<DeskTicket>('first_response_at', 'timestamptz', at('firstResponseAt')),
  column<DeskTicket>('last_reply_at', 'timestamptz', at('lastReplyAt')),
  column<DeskTicket>('awaiting_since', 'timestamptz', at('awaitingSince')),
  column<DeskTicket>('next_response_due_at', 'timestamptz', at('nextResponseDueAt')),
  column<DeskTicket>('next_response_breached', 'boolean', (ticket) => ticket.nextResponseBreached),
  column<DeskTicket>('resolved_at', 'timestamptz', at('resolvedAt')),
  column<DeskTicket>('personal_data_erased_at', 'timestamptz', at('personalDataErasedAt')),
  column<DeskTicket>('updated_at', 'timestamptz', (ticket) => ticket.updatedAt),
  column<DeskTicket>('routed_assignee', 'text', (ticket) => ticket.routedAssignee),
  column<DeskTicket>('queued_at', 'timestamptz', at('queuedAt')),
  column<DeskTicket>('assignment_settled', 'boolean', (ticket) => ticket.assignmentSettled),
];

const MESSAGE_COLUMNS = [
  column<DeskMessage>('message_id', 'text', (message) => message.messageId),
  column<DeskMessage>('ticket_id', 'text', (message) => message.ticketId),
  column<DeskMessage>('direction', 'text', (message) => message.direction),
  column<DeskMessage>('visibility', 'text', (message) => message.visibility),
  column<DeskMessage>('author_kind', 'text', (message) => message.authorKind),
  column<DeskMessage>('author_id', 'text', (message) => message.authorId),
  column<DeskMessage>('channel', 'text', (message) => message.channel),
  column<DeskMessage>('body', 'text', (message) => message.body),
  column<DeskMessage>('sent_at', 'timestamptz', (message) => message.sentAt),
];

const STREAM_COLUMNS = [
  column<NewStreamEvent>('ticket_id', 'text', (event) => event.ticketId),
  column<NewStreamEvent>('queue', 'text', (event) => event.queue),
  column<NewStreamEvent>('assignee', 'text', (event) => event.assignee),
  column<NewStreamEvent>('kind', 'text', (event) => event.kind),
  column<NewStreamEvent>('at', 'timestamptz', (event) => event.at),
];

const UPDATED_COLUMNS = TICKET_COLUMNS.filter((spec) => spec.name !== 'ticket_id')
  .map((spec) => `${spec.name} = t.${spec.name}`)
  .join(', ');

/** Desk's tables: its view of the tickets, their conversations, the event stream, the events applied. */
@Injectable()
export class DeskTicketRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Event ids not applied before, which are now marked applied (inside the caller's transaction, so
   * a rollback forgets them): each consumed or self-published event changes the view once.
   */
  async markApplied(manager: EntityManager, eventIds: readonly string[], now: Date): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows = await manager.query<{ event_id: string }[]>(
      `INSERT INTO desk.applied_events (event_id, applied_at) SELECT DISTINCT id, $2::timestamptz FROM unnest($1::text[]) AS e(id)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [eventIds, now],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  /**
   * Inserts whole tickets desk has not seen, in id order, and returns the ids it inserted; a ticket
   * that exists (or that a concurrent transaction is inserting, which this one then waits for) is
   * left as it is, for the caller to lock and change.
   */
  async insertNew(manager: EntityManager, tickets: readonly DeskTicket[]): Promise<Set<string>> {
    if (tickets.length === 0) return new Set();
    const sorted = [...tickets].sort((left, right) => (left.ticketId < right.ticketId ? -1 : 1));
    const rows = unnestRows('t', TICKET_COLUMNS, sorted);
    const inserted = await manager.query<{ ticket_id: string }[]>(
      `INSERT INTO desk.tickets (${rows.names}) SELECT ${rows.names} FROM ${rows.source}
       ON CONFLICT (ticket_id) DO NOTHING RETURNING ticket_id`,
      rows.parameters,
    );
    return new Set(inserted.map((row) => row.ticket_id));
  }

  /**
   * The tickets, locked for the caller's transaction (in id order, so concurrent batches wait for
   * each other instead of deadlocking); a ticket not seen before is created empty.
   */
  async lockTickets(manager: EntityManager, ticketIds: readonly string[], now: Date): Promise<Map<string, DeskTicket>> {
    const ids = [...new Set(ticketIds)].sort();
    if (ids.length === 0) return new Map();
    await manager.query(
      `INSERT INTO desk.tickets (ticket_id, updated_at) SELECT id, $2::timestamptz FROM unnest($1::text[]) AS t(id)
       ON CONFLICT (ticket_id) DO NOTHING`,
      [ids, now],
    );
    const rows = await manager
      .getRepository(DeskTicket)
      .createQueryBuilder('ticket')
      .setLock('pessimistic_write')
      .where('ticket.ticketId IN (:...ids)', { ids })
      .orderBy('ticket.ticketId')
      .getMany();
    const tickets = new Map(rows.map((row) => [row.ticketId, row]));
    for (const id of ids) if (!tickets.has(id)) tickets.set(id, emptyTicket(id, now));
    return tickets;
  }

  /** One locked ticket (see lockTickets), or undefined when desk has never seen it. */
  async lockTicket(manager: EntityManager, ticketId: string): Promise<DeskTicket | undefined> {
    const ticket = await manager
      .getRepository(DeskTicket)
      .createQueryBuilder('ticket')
      .setLock('pessimistic_write')
      .where('ticket.ticketId = :ticketId', { ticketId })
      .getOne();
    return ticket ?? undefined;
  }

  /**
   * Writes tickets back, adds messages (or, with `eraseMessagesOf`, empties those tickets' message
   * bodies) and stream events, and tells every instance of the new events (NOTIFY is delivered when
   * the transaction commits): one statement.
   */
  async writeBack(
    manager: EntityManager,
    write: {
      readonly tickets: readonly DeskTicket[];
      readonly messages?: readonly DeskMessage[];
      readonly eraseMessagesOf?: readonly string[];
      readonly streamEvents: readonly NewStreamEvent[];
    },
  ): Promise<void> {
    const parts: string[] = [];
    const parameters: unknown[] = [];
    let next = 1;
    if (write.tickets.length > 0) {
      const rows = unnestRows('t', TICKET_COLUMNS, write.tickets, { first: next });
      parts.push(
        `saved AS (UPDATE desk.tickets SET ${UPDATED_COLUMNS} FROM ${rows.source} WHERE desk.tickets.ticket_id = t.ticket_id)`,
      );
      parameters.push(...rows.parameters);
      next = rows.next;
    }
    if (write.messages && write.messages.length > 0) {
      const rows = unnestRows('m', MESSAGE_COLUMNS, write.messages, { first: next });
      parts.push(
        `added AS (INSERT INTO desk.messages (${rows.names}) SELECT ${rows.names} FROM ${rows.source} ON CONFLICT (message_id) DO NOTHING)`,
      );
      parameters.push(...rows.parameters);
      next = rows.next;
    }
    if (write.eraseMessagesOf && write.eraseMessagesOf.length > 0) {
      // Erased requesters' messages keep their place in the conversation, without their text.
      parts.push(
        `erased AS (UPDATE desk.messages SET body = NULL WHERE ticket_id = ANY($${next}::text[]) AND body IS NOT NULL)`,
      );
      parameters.push(write.eraseMessagesOf);
      next += 1;
    }
    let notify = 'SELECT 1';
    if (write.streamEvents.length > 0) {
      const rows = unnestRows('s', STREAM_COLUMNS, write.streamEvents, { first: next });
      parts.push(
        `streamed AS (INSERT INTO desk.stream_events (${rows.names}) SELECT ${rows.names} FROM ${rows.source})`,
      );
      parameters.push(...rows.parameters, STREAM_CHANNEL);
      notify = `SELECT pg_notify($${rows.next}, '')`;
    }
    if (parts.length === 0) return;
    await manager.query(`WITH ${parts.join(', ')} ${notify}`, parameters);
  }

  async find(ticketId: string): Promise<DeskTicket | undefined> {
    return (await this.dataSource.getRepository(DeskTicket).findOneBy({ ticketId })) ?? undefined;
  }

  /** Tickets by their reference or their upstream request id (known to desk once queued). */
  async findBy(filter: { readonly reference?: string; readonly requestId?: string }): Promise<DeskTicket[]> {
    const query = this.dataSource
      .getRepository(DeskTicket)
      .createQueryBuilder('ticket')
      .where('ticket.queue IS NOT NULL');
    if (filter.reference !== undefined)
      query.andWhere('ticket.reference = :reference', { reference: filter.reference });
    if (filter.requestId !== undefined)
      query.andWhere('ticket.requestId = :requestId', { requestId: filter.requestId });
    return query.orderBy('ticket.receivedAt', 'DESC').limit(50).getMany();
  }

  /**
   * A queue's tickets (unresolved unless a status is asked for), the most urgent response first:
   * a follow-up's next-response due time, else an unanswered ticket's first-response due time;
   * tickets waiting for their requester come last.
   */
  async listQueue(listing: QueueListing): Promise<DeskTicket[]> {
    const query = this.dataSource
      .getRepository(DeskTicket)
      .createQueryBuilder('ticket')
      .where('ticket.queue = :queue', { queue: listing.queue });
    if (listing.status === undefined) query.andWhere(`ticket.status <> 'resolved'`);
    else query.andWhere('ticket.status = :status', { status: listing.status });
    if (listing.ownOrUnassigned !== null)
      query.andWhere('(ticket.assignee IS NULL OR ticket.assignee = :me)', { me: listing.ownOrUnassigned });
    return query
      .addSelect(
        `COALESCE(ticket.next_response_due_at, CASE WHEN ticket.first_response_at IS NULL AND ticket.status <> 'resolved' THEN ticket.sla_due_at END)`,
        'due',
      )
      .orderBy('due', 'ASC', 'NULLS LAST')
      .addOrderBy('ticket.priority', 'ASC')
      .addOrderBy('ticket.receivedAt', 'ASC')
      .limit(listing.limit)
      .getMany();
  }

  async conversation(ticketId: string): Promise<DeskMessage[]> {
    return this.dataSource.getRepository(DeskMessage).find({ where: { ticketId }, order: { sentAt: 'ASC' } });
  }

  /** Stream events after `afterSeq`, oldest first. */
  async streamSince(afterSeq: bigint, limit: number): Promise<StreamRow[]> {
    const rows = await this.dataSource.query<
      { seq: string; ticket_id: string; queue: Queue | null; assignee: string | null; kind: StreamKind; at: Date }[]
    >(`SELECT seq, ticket_id, queue, assignee, kind, at FROM desk.stream_events WHERE seq > $1 ORDER BY seq LIMIT $2`, [
      afterSeq.toString(),
      limit,
    ]);
    return rows.map((row) => ({
      seq: BigInt(row.seq),
      ticketId: row.ticket_id,
      queue: row.queue,
      assignee: row.assignee,
      kind: row.kind,
      at: row.at,
    }));
  }

  async lastStreamSeq(): Promise<bigint> {
    const [row] = await this.dataSource.query<{ seq: string | null }[]>(
      `SELECT max(seq) AS seq FROM desk.stream_events`,
    );
    return BigInt(row?.seq ?? '0');
  }

  async ticketsById(ticketIds: readonly string[]): Promise<Map<string, DeskTicket>> {
    if (ticketIds.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(DeskTicket)
      .createQueryBuilder('ticket')
      .where('ticket.ticketId IN (:...ids)', { ids: [...new Set(ticketIds)] })
      .getMany();
    return new Map(rows.map((row) => [row.ticketId, row]));
  }

  /** Housekeeping: stream events and applied event ids older than `streamCutoff`, tickets resolved before `resolvedCutoff`. */
  async purge(streamCutoff: Date, resolvedCutoff: Date, limit: number): Promise<number> {
    const [stream] = await this.dataSource.query<{ count: number }[]>(
      `WITH gone AS (DELETE FROM desk.stream_events WHERE seq IN (SELECT seq FROM desk.stream_events WHERE at < $1 ORDER BY seq LIMIT $2) RETURNING 1)
       SELECT count(*)::int AS count FROM gone`,
      [streamCutoff, limit],
    );
    const [applied] = await this.dataSource.query<{ count: number }[]>(
      `WITH gone AS (DELETE FROM desk.applied_events WHERE event_id IN (SELECT event_id FROM desk.applied_events WHERE applied_at < $1 LIMIT $2) RETURNING 1)
       SELECT count(*)::int AS count FROM gone`,
      [streamCutoff, limit],
    );
    const [resolved] = await this.dataSource.query<{ count: number }[]>(
      `WITH old AS (SELECT ticket_id FROM desk.tickets WHERE status = 'resolved' AND resolved_at < $1 LIMIT $2),
            messages AS (DELETE FROM desk.messages WHERE ticket_id IN (SELECT ticket_id FROM old)),
            gone AS (DELETE FROM desk.tickets WHERE ticket_id IN (SELECT ticket_id FROM old) RETURNING 1)
       SELECT count(*)::int AS count FROM gone`,
      [resolvedCutoff, limit],
    );
    return (stream?.count ?? 0) + (applied?.count ?? 0) + (resolved?.count ?? 0);
  }
}

export interface StreamRow extends NewStreamEvent {
  readonly seq: bigint;
}
