import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { Clock } from '#platform';
import type { DueTime } from '#rules';
import { SERVICE_LEVELS } from '../service-levels.provider.js';
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

  /** Inside the caller's transaction (an agent's action applies its own events with its other writes). */
  async applyIn(manager: EntityManager, changes: readonly IdentifiedChange[]): Promise<Map<string, DeskTicket>> {
    const now = this.clock.now();
    const { fresh, tickets } = await this.tickets.claimEvents(
      manager,
      changes.map((item) => ({ eventId: item.eventId, ticketId: ticketIdOf(item.change) })),
      now,
    );
    const todo = changes.filter((item) => fresh.delete(item.eventId));
    const messages: DeskMessage[] = [];
    const kinds = new Map<string, StreamKind | null>();
    for (const { change } of todo) {
      const ticket = tickets.get(ticketIdOf(change));
      if (!ticket) continue;
      const applied = applyChange(ticket, change, this.dueAt, now);
      if (applied.message) messages.push(applied.message);
      kinds.set(ticket.ticketId, strongerKind(kinds.get(ticket.ticketId) ?? null, applied.stream));
    }
    await this.tickets.writeBack(manager, {
      tickets: [...tickets.values()],
      messages,
      streamEvents: streamEvents(tickets, kinds, now),
    });
    return tickets;
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
