import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { Clock } from '#platform';
import type { DueTime } from '#rules';
import { SERVICE_LEVELS } from '../service-levels.provider.js';
import { emptyTicket } from './desk-ticket.entity.js';
import type { DeskMessage, DeskTicket } from './desk-ticket.entity.js';
import { DeskTicketRepository } from './desk-ticket.repository.js';
import type { NewStreamEvent } from './desk-ticket.repository.js';
import { applyChange, erasePersonalData, strongerKind, ticketIdOf } from './ticket-changes.js';
import type { DeskChange, StreamKind } from './ticket-changes.js';

/** A change and the id of the event that carried it (its `ce_id`). */
export interface IdentifiedChange {
  readonly eventId: string;
  readonly change: DeskChange;
}

/**
 * Applies changes to desk's view in one transaction: each event once (its id is remembered), the
 * tickets they touch locked and written back together, their messages stored, and one stream event
 * per ticket for the agents' live view.
 */
@Injectable()
export class DeskProjection {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: DeskTicketRepository,
    private readonly clock: Clock,
    @Inject(SERVICE_LEVELS) private readonly dueAt: DueTime,
  ) {}

  async apply(changes: readonly IdentifiedChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.dataSource.transaction((manager) => this.applyIn(manager, changes));
  }

  /**
   * Inside the caller's transaction (an agent's action applies its own events with its other
   * writes). A ticket entering its queue is nearly always new to desk: it is written whole, one
   * row version; the tickets desk already has (or has not seen yet, for other events) are locked,
   * created empty where missing, and changed.
   */
  async applyIn(manager: EntityManager, changes: readonly IdentifiedChange[]): Promise<Map<string, DeskTicket>> {
    const now = this.clock.now();
    const fresh = await this.tickets.markApplied(
      manager,
      changes.map((item) => item.eventId),
      now,
    );
    const todo = changes.filter((item) => fresh.delete(item.eventId));
    if (todo.length === 0) return new Map();
    const ids = [...new Set(todo.map((item) => ticketIdOf(item.change)))];
    // Tickets entering a queue are new nearly always; a lifecycle event or a message is for one desk has.
    const queued = new Set(todo.filter((item) => item.change.kind === 'queued').map((item) => ticketIdOf(item.change)));
    const asNew = this.project(
      new Map([...queued].map((id) => [id, emptyTicket(id, now)])),
      todo.filter((item) => queued.has(ticketIdOf(item.change))),
      now,
    );
    const created = await this.tickets.insertNew(manager, [...asNew.tickets.values()]);
    const existing = ids.filter((id) => !created.has(id));
    const changed = this.project(
      await this.tickets.lockTickets(manager, existing, now),
      todo.filter((item) => !created.has(ticketIdOf(item.change))),
      now,
    );
    const inserted = [...asNew.tickets.values()].filter((ticket) => created.has(ticket.ticketId));
    await this.tickets.writeBack(manager, {
      tickets: [...changed.tickets.values()],
      messages: [...asNew.messages.filter((message) => created.has(message.ticketId)), ...changed.messages],
      streamEvents: [
        ...streamEvents(asNew.tickets, new Map([...asNew.kinds].filter(([id]) => created.has(id))), now),
        ...streamEvents(changed.tickets, changed.kinds, now),
      ],
    });
    return new Map([...inserted.map((ticket) => [ticket.ticketId, ticket] as const), ...changed.tickets]);
  }

  /** Applies the changes to the tickets (in place), in order: the messages they add, the stream event of each ticket. */
  private project(
    tickets: Map<string, DeskTicket>,
    todo: readonly IdentifiedChange[],
    now: Date,
  ): { tickets: Map<string, DeskTicket>; messages: DeskMessage[]; kinds: Map<string, StreamKind | null> } {
    const messages: DeskMessage[] = [];
    const kinds = new Map<string, StreamKind | null>();
    for (const { change } of todo) {
      const ticket = tickets.get(ticketIdOf(change));
      if (!ticket) continue;
      const applied = applyChange(ticket, change, this.dueAt, now);
      if (applied.message) messages.push(applied.message);
      kinds.set(ticket.ticketId, strongerKind(kinds.get(ticket.ticketId) ?? null, applied.stream));
    }
    return { tickets, messages, kinds };
  }

  /** A data subject's erasure: their tickets keep their place, without personal data, now and later. */
  async erase(ticketIds: readonly string[]): Promise<number> {
    if (ticketIds.length === 0) return 0;
    return this.dataSource.transaction(async (manager) => {
      const now = this.clock.now();
      const tickets = await this.tickets.lockTickets(manager, ticketIds, now);
      for (const ticket of tickets.values()) erasePersonalData(ticket, now);
      const changed = new Map([...tickets.keys()].map((id) => [id, 'ticket.changed' as const]));
      await this.tickets.writeBack(manager, {
        tickets: [...tickets.values()],
        eraseMessagesOf: [...tickets.keys()],
        streamEvents: streamEvents(tickets, changed, now),
      });
      return tickets.size;
    });
  }
}

function streamEvents(
  tickets: ReadonlyMap<string, DeskTicket>,
  kinds: ReadonlyMap<string, StreamKind | null>,
  at: Date,
): NewStreamEvent[] {
  const events: NewStreamEvent[] = [];
  for (const [ticketId, kind] of kinds) {
    const ticket = tickets.get(ticketId);
    // Nothing to show agents until the ticket is in a queue.
    if (!ticket || kind === null || ticket.queue === null) continue;
    events.push({ ticketId, queue: ticket.queue, assignee: ticket.assignee, kind, at });
  }
  return events;
}
