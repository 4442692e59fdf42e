import { randomUUID } from 'node:crypto';
import { ticketReference } from '#contracts';
import type { PhoneDeskAlertPayload, TicketLifecyclePayload, TicketRoutedPayload } from '#contracts';

export function routedTicket(overrides: Partial<TicketRoutedPayload> = {}): TicketRoutedPayload {
  const ticketId = overrides.ticketId ?? randomUUID();
  return {
    ticketId,
    reference: ticketReference(ticketId),
    queue: 'support',
    assignee: null,
    priority: 'P3',
    slaDueAt: '2026-11-26T10:00:00.000Z',
    ruleId: 'fallback',
    ruleSetVersion: '2026-11-01',
    reason: 'no other rule matched',
    alert: null,
    channel: 'email',
    requestType: null,
    locale: 'en',
    orgId: 'org-1',
    routedAt: '2026-11-25T10:00:00.000Z',
    ...overrides,
  };
}

export function phoneDeskAlert(overrides: Partial<PhoneDeskAlertPayload> = {}): PhoneDeskAlertPayload {
  const ticketId = overrides.ticketId ?? randomUUID();
  return {
    alertId: randomUUID(),
    ticketId,
    reference: ticketReference(ticketId),
    target: 'phone-desk',
    priority: 'P1',
    reason: 'urgent access problem',
    channel: 'phone',
    orgId: 'org-1',
    raisedAt: '2026-11-25T10:00:00.000Z',
    slaDueAt: '2026-11-25T10:30:00.000Z',
    ...overrides,
  };
}

export function lifecycleEvent(overrides: Partial<TicketLifecyclePayload> = {}): TicketLifecyclePayload {
  return {
    ticketId: randomUUID(),
    event: 'claimed',
    at: new Date().toISOString(),
    actor: 'agent-1',
    alertId: null,
    note: null,
    ...overrides,
  };
}
