import { Topics } from '#contracts';
import type { TicketLifecyclePayload, TicketRoutedPayload, TicketSubmittedPayload } from '#contracts';

/** One SQL statement that folds an event into `history.tickets`. */
export interface TicketProjectionUpdate {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

const UPSERT_SUBMITTED = `
  INSERT INTO history.tickets (ticket_id, reference, request_id, status, channel, request_type, urgency, org_id,
                               requester_user_id, allow_workspace_testing, received_at, updated_at)
  VALUES ($1, $2, $3, 'received', $4, $5, $6, $7, $8, $9, $10, now())
  ON CONFLICT (ticket_id) DO UPDATE SET
    reference = EXCLUDED.reference, request_id = EXCLUDED.request_id, channel = EXCLUDED.channel,
    request_type = EXCLUDED.request_type, urgency = EXCLUDED.urgency, org_id = EXCLUDED.org_id,
    requester_user_id = EXCLUDED.requester_user_id, allow_workspace_testing = EXCLUDED.allow_workspace_testing,
    received_at = EXCLUDED.received_at, updated_at = now()`;

const UPSERT_ROUTED = `
  INSERT INTO history.tickets (ticket_id, reference, status, channel, request_type, org_id, queue, assignee, priority,
                               sla_due_at, rule_id, routed_at, updated_at)
  VALUES ($1, $2, 'routed', $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
  ON CONFLICT (ticket_id) DO UPDATE SET
    reference = COALESCE(history.tickets.reference, EXCLUDED.reference),
    channel = COALESCE(history.tickets.channel, EXCLUDED.channel),
    request_type = COALESCE(history.tickets.request_type, EXCLUDED.request_type),
    org_id = COALESCE(history.tickets.org_id, EXCLUDED.org_id),
    queue = EXCLUDED.queue, assignee = EXCLUDED.assignee, priority = EXCLUDED.priority,
    sla_due_at = EXCLUDED.sla_due_at, rule_id = EXCLUDED.rule_id, routed_at = EXCLUDED.routed_at,
    status = CASE WHEN history.tickets.status = 'received' THEN 'routed' ELSE history.tickets.status END,
    updated_at = now()`;

const UPSERT_LIFECYCLE = `
  INSERT INTO history.tickets (ticket_id, status, first_response_at, updated_at)
  VALUES ($1, $2, CASE WHEN $2 IN ('replied', 'resolved') THEN $3::timestamptz END, now())
  ON CONFLICT (ticket_id) DO UPDATE SET
    status = EXCLUDED.status,
    first_response_at = CASE WHEN EXCLUDED.status IN ('replied', 'resolved')
                             THEN COALESCE(history.tickets.first_response_at, $3::timestamptz)
                             ELSE history.tickets.first_response_at END,
    updated_at = now()`;

const TICKET_STATUS_EVENTS = new Set(['claimed', 'replied', 'resolved', 'reopened']);

/** Pure mapping from an event to its projection statement (null: the event does not change the ticket). */
export function projectTicket(topic: string, payload: unknown): TicketProjectionUpdate | null {
  switch (topic) {
    case Topics.ticketsSubmitted: {
      const ticket = payload as TicketSubmittedPayload;
      return {
        sql: UPSERT_SUBMITTED,
        parameters: [
          ticket.ticketId,
          ticket.reference,
          ticket.requestId,
          ticket.channel,
          ticket.requestType ?? null,
          ticket.urgency,
          ticket.requester.orgId ?? null,
          ticket.requester.userId ?? null,
          ticket.workspaceTesting ? ticket.workspaceTesting.granted : null,
          ticket.receivedAt,
        ],
      };
    }
    case Topics.ticketsRouted: {
      const routed = payload as TicketRoutedPayload;
      return {
        sql: UPSERT_ROUTED,
        parameters: [
          routed.ticketId,
          routed.reference,
          routed.channel,
          routed.requestType ?? null,
          routed.orgId ?? null,
          routed.queue,
          routed.assignee ?? null,
          routed.priority,
          routed.slaDueAt,
          routed.ruleId,
          routed.routedAt,
        ],
      };
    }
    case Topics.ticketsLifecycle: {
      const lifecycle = payload as TicketLifecyclePayload;
      if (!TICKET_STATUS_EVENTS.has(lifecycle.event)) return null;
      return { sql: UPSERT_LIFECYCLE, parameters: [lifecycle.ticketId, lifecycle.event, lifecycle.at] };
    }
    default:
      return null;
  }
}
