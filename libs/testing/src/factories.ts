import { randomUUID } from 'node:crypto';
import { ticketReference } from '#contracts';
import type {
  QueuedTicketPayload,
  SubjectErasedPayload,
  TicketMessagePayload,
  TicketSubmittedPayload,
  UpstreamRequestPayload,
} from '#contracts';

export function upstreamRequest(overrides: Partial<UpstreamRequestPayload> = {}): UpstreamRequestPayload {
  return {
    requestId: `req-${randomUUID()}`,
    channel: 'email',
    subject: 'Question about the DPA',
    message: 'Do you provide a data processing agreement template?',
    urgency: 'normal',
    requester: { email: 'someone@example.org' },
    ...overrides,
  };
}

export function submittedTicket(overrides: Partial<TicketSubmittedPayload> = {}): TicketSubmittedPayload {
  const ticketId = overrides.ticketId ?? randomUUID();
  return {
    ticketId,
    reference: ticketReference(ticketId),
    requestId: `req-${ticketId}`,
    channel: 'form',
    requestType: 'bug',
    subject: 'Export fails',
    message: 'The export of the register fails.',
    urgency: 'normal',
    locale: 'en',
    workspaceTesting: { granted: true, grantedBy: 'user-1', recordedAt: '2026-11-25T10:00:00.000Z' },
    requester: { userId: 'user-1', orgId: 'org-1', email: 'user@example.com', name: 'A User' },
    receivedAt: '2026-11-25T10:00:00.000Z',
    ...overrides,
  };
}

export function subjectErased(overrides: Partial<SubjectErasedPayload> = {}): SubjectErasedPayload {
  const subjectRef = overrides.subjectRef ?? 'a'.repeat(64);
  return {
    erasureId: randomUUID(),
    subjectRef,
    refs: [subjectRef, 'b'.repeat(64)],
    ticketIds: [randomUUID()],
    erasedAt: '2026-11-29T08:00:00.000Z',
    requestedBy: 'dpo-1',
    organisation: null,
    ...overrides,
  };
}

/** A ticket as routing puts it in a queue (the support queue unless told otherwise). */
export function queuedTicket(
  overrides: Partial<Omit<QueuedTicketPayload, 'ticket'>> & { ticket?: Partial<TicketSubmittedPayload> } = {},
): QueuedTicketPayload {
  const ticket = submittedTicket(overrides.ticket ?? {});
  const { ticket: _ticket, ...routing } = overrides;
  return {
    ticketId: ticket.ticketId,
    reference: ticket.reference,
    queue: 'support',
    assignee: null,
    priority: 'P3',
    slaDueAt: new Date(Date.parse(ticket.receivedAt) + 86_400_000).toISOString(),
    ruleId: 'technical',
    reason: 'technical problem: support queue',
    ticket,
    ...routing,
  };
}

/** A message of a ticket's conversation (a requester's follow-up unless told otherwise). */
export function ticketMessage(overrides: Partial<TicketMessagePayload> = {}): TicketMessagePayload {
  return {
    ticketId: randomUUID(),
    messageId: randomUUID(),
    direction: 'inbound',
    visibility: 'public',
    author: { kind: 'requester', id: 'user-1' },
    channel: 'email',
    body: 'Any news about my request?',
    sentAt: new Date().toISOString(),
    ...overrides,
  };
}
