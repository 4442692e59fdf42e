import { randomUUID } from 'node:crypto';
import { Topics } from '#contracts';
import type { TicketLifecyclePayload } from '#contracts';
import type { OutboxEvent } from '#platform';
import type { IdentifiedChange } from '../tickets/desk-projection.js';

/** A ticket the policy gives to an agent, or gives back to its queue (agentId null). */
export interface PolicyAssignment {
  readonly ticketId: string;
  readonly requestId: string | null;
  readonly agentId: string | null;
  readonly reason: string;
}

/**
 * The `assigned` lifecycle events of the assignment policy (`by: 'policy'`, no actor), for the
 * outbox, and the same changes for desk's own projection, applied in the transaction that decided.
 */
export function policyAssignmentEvents(
  assignments: readonly PolicyAssignment[],
  at: string,
  traceparent: string | null,
): { readonly events: OutboxEvent[]; readonly changes: IdentifiedChange[] } {
  const events: OutboxEvent[] = [];
  const changes: IdentifiedChange[] = [];
  for (const { ticketId, requestId, agentId, reason } of assignments) {
    const payload: TicketLifecyclePayload = {
      ticketId,
      event: 'assigned',
      at,
      actor: null,
      agentId,
      by: 'policy',
      reason,
    };
    const id = randomUUID();
    events.push({
      id,
      topic: Topics.ticketsLifecycle,
      key: ticketId,
      payload,
      time: at,
      correlationId: requestId,
      causationId: null,
      traceparent,
    });
    changes.push({ eventId: id, change: { kind: 'lifecycle', payload } });
  }
  return { events, changes };
}
