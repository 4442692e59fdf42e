import { randomUUID } from 'node:crypto';
import { ticketReference } from '#contracts';
import type { SubjectErasedPayload, TicketSubmittedPayload, UpstreamRequestPayload } from '#contracts';

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
