import { Topics } from '#contracts';
import type { TicketLifecyclePayload, TicketRoutedPayload, TicketSubmittedPayload } from '#contracts';
import { column, unnestRows } from '#platform';
import type { UnnestedRows } from '#platform';
import type { Queryable } from '../privacy/subject-keys.js';

export interface SubmittedChange {
  readonly ticketId: string;
  readonly reference: string;
  readonly requestId: string;
  readonly channel: string;
  readonly requestType: string | null;
  readonly urgency: string;
  readonly orgId: string | null;
  readonly subjectRef: string | null;
  readonly allowWorkspaceTesting: boolean | null;
  readonly receivedAt: string;
}

export interface RoutedChange {
  readonly ticketId: string;
  readonly reference: string;
  readonly channel: string;
  readonly requestType: string | null;
  readonly orgId: string | null;
  readonly queue: string;
  readonly assignee: string | null;
  readonly priority: string;
  readonly slaDueAt: string;
  readonly ruleId: string;
  readonly routedAt: string;
}

export interface LifecycleChange {
  readonly ticketId: string;
  readonly status: string;
  /** The earliest claim, reply or resolution of the batch: the first response, for the SLA. */
  readonly firstResponseAt: string | null;
}

/** The ticket changes of a batch of events, at most one per ticket and kind. */
export interface ProjectionPlan {
  readonly submitted: SubmittedChange[];
  readonly routed: RoutedChange[];
  readonly lifecycle: LifecycleChange[];
}

export interface ProjectedEvent {
  readonly topic: string;
  /** The full payload, personal fields included (they are not projected). */
  readonly payload: unknown;
  readonly requesterRef: string | null;
}

const STATUS_EVENTS = new Set(['claimed', 'replied', 'resolved', 'reopened']);
const RESPONSE_EVENTS = new Set(['claimed', 'replied', 'resolved']);

function earlier(left: string | null, right: string | null): string | null {
  if (left === null) return right;
  if (right === null) return left;
  return Date.parse(right) < Date.parse(left) ? right : left;
}

/**
 * Folds a batch, in consumption order, into ticket changes. One statement per kind then updates
 * every ticket of the batch (a multi-row upsert may touch each row only once).
 */
export function planProjection(events: readonly ProjectedEvent[]): ProjectionPlan {
  const submitted = new Map<string, SubmittedChange>();
  const routed = new Map<string, RoutedChange>();
  const lifecycle = new Map<string, LifecycleChange>();
  for (const { topic, payload, requesterRef } of events) {
    if (topic === Topics.ticketsSubmitted) {
      const ticket = payload as TicketSubmittedPayload;
      submitted.set(ticket.ticketId, {
        ticketId: ticket.ticketId,
        reference: ticket.reference,
        requestId: ticket.requestId,
        channel: ticket.channel,
        requestType: ticket.requestType ?? null,
        urgency: ticket.urgency,
        orgId: ticket.requester.orgId ?? null,
        subjectRef: requesterRef,
        allowWorkspaceTesting: ticket.workspaceTesting ? ticket.workspaceTesting.granted : null,
        receivedAt: ticket.receivedAt,
      });
    } else if (topic === Topics.ticketsRouted) {
      const decision = payload as TicketRoutedPayload;
      routed.set(decision.ticketId, {
        ticketId: decision.ticketId,
        reference: decision.reference,
        channel: decision.channel,
        requestType: decision.requestType ?? null,
        orgId: decision.orgId ?? null,
        queue: decision.queue,
        assignee: decision.assignee ?? null,
        priority: decision.priority,
        slaDueAt: decision.slaDueAt,
        ruleId: decision.ruleId,
        routedAt: decision.routedAt,
      });
    } else if (topic === Topics.ticketsLifecycle) {
      const change = payload as TicketLifecyclePayload;
      if (!STATUS_EVENTS.has(change.event)) continue;
      const response = RESPONSE_EVENTS.has(change.event) ? change.at : null;
      const before = lifecycle.get(change.ticketId);
      lifecycle.set(change.ticketId, {
        ticketId: change.ticketId,
        status: change.event,
        firstResponseAt: earlier(before?.firstResponseAt ?? null, response),
      });
    }
  }
  // A stable order for the upserts (what keeps concurrent appends from deadlocking is the chain
  // lock, which they take before projecting).
  return { submitted: byTicket(submitted), routed: byTicket(routed), lifecycle: byTicket(lifecycle) };
}

function byTicket<T extends { readonly ticketId: string }>(changes: ReadonlyMap<string, T>): T[] {
  return [...changes.values()].sort((left, right) =>
    left.ticketId < right.ticketId ? -1 : left.ticketId > right.ticketId ? 1 : 0,
  );
}

const SUBMITTED_COLUMNS = [
  column<SubmittedChange>('ticket_id', 'text', (row) => row.ticketId),
  column<SubmittedChange>('reference', 'text', (row) => row.reference),
  column<SubmittedChange>('request_id', 'text', (row) => row.requestId),
  column<SubmittedChange>('channel', 'text', (row) => row.channel),
  column<SubmittedChange>('request_type', 'text', (row) => row.requestType),
  column<SubmittedChange>('urgency', 'text', (row) => row.urgency),
  column<SubmittedChange>('org_id', 'text', (row) => row.orgId),
  column<SubmittedChange>('subject_ref', 'text', (row) => row.subjectRef),
  column<SubmittedChange>('allow_workspace_testing', 'boolean', (row) => row.allowWorkspaceTesting),
  column<SubmittedChange>('received_at', 'timestamptz', (row) => row.receivedAt),
];

const ROUTED_COLUMNS = [
  column<RoutedChange>('ticket_id', 'text', (row) => row.ticketId),
  column<RoutedChange>('reference', 'text', (row) => row.reference),
  column<RoutedChange>('channel', 'text', (row) => row.channel),
  column<RoutedChange>('request_type', 'text', (row) => row.requestType),
  column<RoutedChange>('org_id', 'text', (row) => row.orgId),
  column<RoutedChange>('queue', 'text', (row) => row.queue),
  column<RoutedChange>('assignee', 'text', (row) => row.assignee),
  column<RoutedChange>('priority', 'text', (row) => row.priority),
  column<RoutedChange>('sla_due_at', 'timestamptz', (row) => row.slaDueAt),
  column<RoutedChange>('rule_id', 'text', (row) => row.ruleId),
  column<RoutedChange>('routed_at', 'timestamptz', (row) => row.routedAt),
];

const LIFECYCLE_COLUMNS = [
  column<LifecycleChange>('ticket_id', 'text', (row) => row.ticketId),
  column<LifecycleChange>('status', 'text', (row) => row.status),
  column<LifecycleChange>('first_response_at', 'timestamptz', (row) => row.firstResponseAt),
];

// A ticket of a subject erased before it arrived (late, replayed, rebuilt) is marked erased at once.
const upsertSubmitted = (rows: UnnestedRows): string => `
  INSERT INTO history.tickets (ticket_id, reference, request_id, status, channel, request_type, urgency, org_id,
                               subject_ref, allow_workspace_testing, received_at, personal_data_erased_at, updated_at)
  SELECT t.ticket_id, t.reference, t.request_id, 'received', t.channel, t.request_type, t.urgency, t.org_id,
         t.subject_ref, t.allow_workspace_testing, t.received_at, e.erased_at, now()
  FROM ${rows.source}
  LEFT JOIN history.erased_subjects e ON e.subject_ref = t.subject_ref
  ON CONFLICT (ticket_id) DO UPDATE SET
    reference = EXCLUDED.reference, request_id = EXCLUDED.request_id, channel = EXCLUDED.channel,
    request_type = EXCLUDED.request_type, urgency = EXCLUDED.urgency, org_id = EXCLUDED.org_id,
    subject_ref = EXCLUDED.subject_ref, allow_workspace_testing = EXCLUDED.allow_workspace_testing,
    received_at = EXCLUDED.received_at,
    personal_data_erased_at = COALESCE(history.tickets.personal_data_erased_at, EXCLUDED.personal_data_erased_at), updated_at = now()`;

const upsertRouted = (rows: UnnestedRows): string => `
  INSERT INTO history.tickets (${rows.names}, status, updated_at)
  SELECT ${rows.names}, 'routed', now() FROM ${rows.source}
  ON CONFLICT (ticket_id) DO UPDATE SET
    reference = COALESCE(history.tickets.reference, EXCLUDED.reference),
    channel = COALESCE(history.tickets.channel, EXCLUDED.channel),
    request_type = COALESCE(history.tickets.request_type, EXCLUDED.request_type),
    org_id = COALESCE(history.tickets.org_id, EXCLUDED.org_id),
    queue = EXCLUDED.queue, assignee = EXCLUDED.assignee, priority = EXCLUDED.priority,
    sla_due_at = EXCLUDED.sla_due_at, rule_id = EXCLUDED.rule_id, routed_at = EXCLUDED.routed_at,
    status = CASE WHEN history.tickets.status = 'received' THEN 'routed' ELSE history.tickets.status END,
    updated_at = now()`;

// LEAST ignores nulls: the first response is the earliest ever seen, whatever the batch order.
const upsertLifecycle = (rows: UnnestedRows): string => `
  INSERT INTO history.tickets (${rows.names}, updated_at)
  SELECT ${rows.names}, now() FROM ${rows.source}
  ON CONFLICT (ticket_id) DO UPDATE SET
    status = EXCLUDED.status,
    first_response_at = LEAST(history.tickets.first_response_at, EXCLUDED.first_response_at),
    updated_at = now()`;

/** Applies a plan inside the caller's transaction. */
export async function applyProjection(db: Queryable, plan: ProjectionPlan): Promise<void> {
  const { submitted, routed, lifecycle } = plan;
  if (submitted.length > 0) {
    const rows = unnestRows('t', SUBMITTED_COLUMNS, submitted);
    await db.query(upsertSubmitted(rows), rows.parameters);
  }
  if (routed.length > 0) {
    const rows = unnestRows('t', ROUTED_COLUMNS, routed);
    await db.query(upsertRouted(rows), rows.parameters);
  }
  if (lifecycle.length > 0) {
    const rows = unnestRows('t', LIFECYCLE_COLUMNS, lifecycle);
    await db.query(upsertLifecycle(rows), rows.parameters);
  }
}
