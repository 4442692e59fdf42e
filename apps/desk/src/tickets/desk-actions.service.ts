import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Topics, validatePayload, withoutNulls } from '#contracts';
import type { FieldError, TicketLifecyclePayload, TicketMessagePayload } from '#contracts';
import { currentTrace } from '#kafka';
import { ApplicationError, Clock, OutboxRelay, OutboxRepository } from '#platform';
import type { OutboxEvent, UserPrincipal } from '#platform';
import { Assigner } from '../assignment/assigner.js';
import { DeskProjection } from './desk-projection.js';
import type { IdentifiedChange } from './desk-projection.js';
import type { DeskTicket } from './desk-ticket.entity.js';
import { DeskTicketRepository } from './desk-ticket.repository.js';
import { isLead, mayOpen } from './queue-access.js';
import { AssignBody, ReplyBody } from './reply.body.js';

export const DeskErrorCode = {
  validation: 'VALIDATION_FAILED',
  notFound: 'TICKET_NOT_FOUND',
  notYourQueue: 'TICKET_OF_ANOTHER_QUEUE',
  claimedByAnother: 'TICKET_CLAIMED_BY_ANOTHER',
  resolved: 'TICKET_RESOLVED',
  notResolved: 'TICKET_NOT_RESOLVED',
  leadRequired: 'LEAD_ROLE_REQUIRED',
} as const;

export function invalidBody(errors: readonly FieldError[]): ApplicationError {
  return new ApplicationError(
    DeskErrorCode.validation,
    400,
    `the request has ${errors.length} invalid field(s)`,
    errors,
  );
}

/** What an action publishes: lifecycle events and messages of the ticket. */
interface Outcome {
  readonly lifecycle?: Omit<TicketLifecyclePayload, 'ticketId' | 'at'>[];
  readonly message?: Omit<TicketMessagePayload, 'ticketId' | 'sentAt' | 'messageId'>;
}

/**
 * Agents' actions. Each one, in one transaction: the ticket is locked, the action checked against
 * its current state (so of two agents claiming at once, on any instance, one gets 409), desk's view
 * updated, and its events written to the outbox, which publishes them to Kafka right after.
 */
@Injectable()
export class DeskActions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: DeskTicketRepository,
    private readonly projection: DeskProjection,
    private readonly outbox: OutboxRepository,
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
    private readonly assigner: Assigner,
  ) {}

  claim(user: UserPrincipal, ticketId: string): Promise<DeskTicket> {
    return this.act(user, ticketId, (ticket) => {
      refuseResolved(ticket);
      if (ticket.claimedBy === user.userId) return {};
      refuseClaimedByAnother(ticket, user, false);
      return { lifecycle: [{ event: 'claimed', actor: user.userId }] };
    });
  }

  reply(user: UserPrincipal, ticketId: string, body: unknown): Promise<DeskTicket> {
    const validation = validatePayload(ReplyBody, withoutNulls(body ?? {}));
    if (!validation.ok) throw invalidBody(validation.errors);
    const { text, visibility } = validation.value;
    return this.act(user, ticketId, (ticket) => {
      if (visibility === 'public') {
        refuseResolved(ticket);
        refuseClaimedByAnother(ticket, user, true);
      }
      return {
        message: {
          direction: 'outbound',
          visibility,
          author: { kind: 'agent', id: user.userId },
          channel: ticket.channel ?? 'email',
          body: text,
        },
        ...(visibility === 'public' ? { lifecycle: [{ event: 'replied', actor: user.userId }] } : {}),
      };
    });
  }

  resolve(user: UserPrincipal, ticketId: string): Promise<DeskTicket> {
    return this.act(user, ticketId, (ticket) => {
      if (ticket.status === 'resolved') return {};
      refuseClaimedByAnother(ticket, user, true);
      return { lifecycle: [{ event: 'resolved', actor: user.userId }] };
    });
  }

  reopen(user: UserPrincipal, ticketId: string): Promise<DeskTicket> {
    return this.act(user, ticketId, (ticket) => {
      if (ticket.status !== 'resolved')
        throw new ApplicationError(
          DeskErrorCode.notResolved,
          409,
          `ticket ${ticket.reference ?? ticketId} is not resolved`,
        );
      return { lifecycle: [{ event: 'reopened', actor: user.userId, reason: `reopened by ${user.userId}` }] };
    });
  }

  assign(user: UserPrincipal, ticketId: string, body: unknown): Promise<DeskTicket> {
    const validation = validatePayload(AssignBody, withoutNulls(body ?? {}));
    if (!validation.ok) throw invalidBody(validation.errors);
    const { agentId } = validation.value;
    if (!isLead(user))
      throw new ApplicationError(DeskErrorCode.leadRequired, 403, 'only team leads (role lead) assign tickets');
    return this.act(user, ticketId, (ticket) => {
      refuseResolved(ticket);
      if (ticket.assignee === agentId && ticket.assigned) return {};
      return {
        lifecycle: [
          { event: 'assigned', actor: user.userId, agentId, by: 'lead', reason: `assigned by ${user.userId}` },
        ],
      };
    });
  }

  /** A ticket the user may open, or 404 (unknown) / 403 (another queue's). */
  async visibleTicket(user: UserPrincipal, ticketId: string): Promise<DeskTicket> {
    return visible(user, ticketId, await this.tickets.find(ticketId));
  }

  private async act(
    user: UserPrincipal,
    ticketId: string,
    decide: (ticket: DeskTicket) => Outcome,
  ): Promise<DeskTicket> {
    const result = await this.dataSource.transaction(async (manager) => {
      const ticket = visible(user, ticketId, await this.tickets.lockTicket(manager, ticketId));
      const outcome = decide(ticket);
      const now = this.clock.now();
      const at = now.toISOString();
      const events: OutboxEvent[] = [];
      const changes: IdentifiedChange[] = [];
      const trace = currentTrace();
      const envelope = {
        key: ticketId,
        time: at,
        correlationId: ticket.requestId,
        causationId: null,
        traceparent: trace?.traceparent ?? null,
      };
      if (outcome.message) {
        const payload: TicketMessagePayload = { ...outcome.message, ticketId, messageId: randomUUID(), sentAt: at };
        const id = randomUUID();
        events.push({ ...envelope, id, topic: Topics.ticketsMessages, payload });
        changes.push({ eventId: id, change: { kind: 'message', payload } });
      }
      for (const lifecycle of outcome.lifecycle ?? []) {
        const payload: TicketLifecyclePayload = { ...lifecycle, ticketId, at };
        const id = randomUUID();
        events.push({ ...envelope, id, topic: Topics.ticketsLifecycle, payload });
        changes.push({ eventId: id, change: { kind: 'lifecycle', payload } });
      }
      if (events.length === 0) return { ticket, published: false };
      const updated = await this.projection.applyIn(manager, changes);
      await this.outbox.add(manager, events);
      return { ticket: updated.get(ticketId) ?? ticket, published: true };
    });
    if (result.published) {
      this.relay.wake();
      this.assigner.wake();
    }
    return result.ticket;
  }
}

function visible(user: UserPrincipal, ticketId: string, ticket: DeskTicket | undefined): DeskTicket {
  // Known to desk only once it is in a queue (lifecycle events may come first).
  if (!ticket || ticket.queue === null)
    throw new ApplicationError(DeskErrorCode.notFound, 404, `no ticket ${ticketId}`);
  if (!mayOpen(user, ticket))
    throw new ApplicationError(
      DeskErrorCode.notYourQueue,
      403,
      `ticket ${ticket.reference ?? ticketId} is in the ${ticket.queue} queue${ticket.queue === 'psm' ? ' of another PSM' : ''}, which you do not work`,
    );
  return ticket;
}

function refuseResolved(ticket: DeskTicket): void {
  if (ticket.status === 'resolved')
    throw new ApplicationError(
      DeskErrorCode.resolved,
      409,
      `ticket ${ticket.reference ?? ticket.ticketId} is resolved: reopen it first`,
    );
}

function refuseClaimedByAnother(ticket: DeskTicket, user: UserPrincipal, leadsMay: boolean): void {
  if (ticket.claimedBy === null || ticket.claimedBy === user.userId || (leadsMay && isLead(user))) return;
  throw new ApplicationError(
    DeskErrorCode.claimedByAnother,
    409,
    `ticket ${ticket.reference ?? ticket.ticketId} is claimed by ${ticket.claimedBy}`,
  );
}
