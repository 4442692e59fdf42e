import { Topics } from '#contracts';
import type {
  TicketLifecyclePayload,
  TicketMessagePayload,
  TicketRoutedPayload,
  TicketSubmittedPayload,
} from '#contracts';
import {
  NEW_TICKET_PROGRESS,
  advance,
  lifecycleChange,
  messageChange,
  nextResponseDueAt,
  routedChange,
  statusOf,
} from '#rules';
import type { DueTime, ProgressChange, TicketProgress } from '#rules';
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

/** What a routing decision says of the ticket besides its progress (queue, priority and due time go through ticket-progress). */
export interface RoutedChange {
  readonly ticketId: string;
  readonly reference: string;
  readonly channel: string;
  readonly requestType: string | null;
  readonly orgId: string | null;
  readonly ruleId: string;
  readonly routedAt: string;
}

/** The changes of one ticket's progress in a batch, in the order they happened, with its routing decision's other fields. */
export interface ProgressSteps {
  readonly ticketId: string;
  readonly changes: readonly ProgressChange[];
  /** The batch's last routing decision of the ticket, if any. */
  readonly routed: RoutedChange | null;
}

/** The ticket changes of a batch of events, at most one per ticket and kind. */
export interface ProjectionPlan {
  readonly submitted: SubmittedChange[];
  readonly progress: ProgressSteps[];
}

export interface ProjectedEvent {
  readonly topic: string;
  /** The full payload, personal fields included (they are not projected). */
  readonly payload: unknown;
  readonly requesterRef: string | null;
}

/** The progress columns of a ticket row, as stored. */
export interface ProgressRow {
  readonly ticket_id: string;
  readonly queue: string | null;
  readonly priority: string | null;
  readonly sla_due_at: Date | null;
  readonly assignee: string | null;
  readonly assigned: boolean;
  readonly claimed_by: string | null;
  readonly first_response_at: Date | null;
  readonly last_reply_at: Date | null;
  readonly awaiting_since: Date | null;
  readonly resolved_at: Date | null;
  readonly next_response_breached: boolean;
}

/** A ticket's progress after a batch, with what is derived from it. */
export interface ProgressChangeRow {
  readonly ticketId: string;
  readonly routed: RoutedChange | null;
  readonly progress: TicketProgress;
  readonly status: string;
  readonly nextResponseDueAt: Date | null;
}

interface TimedChange {
  readonly at: number;
  readonly change: ProgressChange;
}

function progressChangeOf(topic: string, payload: unknown): { ticketId: string; timed: TimedChange } | null {
  if (topic === Topics.ticketsRouted) {
    const decision = payload as TicketRoutedPayload;
    return {
      ticketId: decision.ticketId,
      timed: {
        at: Date.parse(decision.routedAt),
        change: routedChange(decision),
      },
    };
  }
  if (topic === Topics.ticketsLifecycle) {
    const event = payload as TicketLifecyclePayload;
    return {
      ticketId: event.ticketId,
      timed: {
        at: Date.parse(event.at),
        change: lifecycleChange(event),
      },
    };
  }
  if (topic === Topics.ticketsMessages) {
    const message = payload as TicketMessagePayload;
    return {
      ticketId: message.ticketId,
      timed: {
        at: Date.parse(message.sentAt),
        change: messageChange(message),
      },
    };
  }
  return null;
}

/**
 * Folds a batch, in consumption order, into ticket changes. One statement per kind then updates
 * every ticket of the batch (a multi-row upsert may touch each row only once).
 */
export function planProjection(events: readonly ProjectedEvent[]): ProjectionPlan {
  const submitted = new Map<string, SubmittedChange>();
  const routed = new Map<string, RoutedChange>();
  const progress = new Map<string, TimedChange[]>();
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
        ruleId: decision.ruleId,
        routedAt: decision.routedAt,
      });
    }
    const step = progressChangeOf(topic, payload);
    if (step === null) continue;
    const steps = progress.get(step.ticketId) ?? [];
    steps.push(step.timed);
    progress.set(step.ticketId, steps);
  }
  // A stable order for the upserts (what keeps concurrent appends from deadlocking is the chain
  // lock, which they take before projecting).
  return {
    submitted: byTicket(submitted),
    progress: [...progress.entries()]
      .map(([ticketId, steps]) => ({
        ticketId,
        routed: routed.get(ticketId) ?? null,
        // The topics of a batch come in no particular order between them: their own times say it
        // (a stable sort keeps the consumption order of changes of the same instant).
        changes: [...steps].sort((left, right) => left.at - right.at).map((step) => step.change),
      }))
      .sort(compareTickets),
  };
}

function compareTickets(left: { readonly ticketId: string }, right: { readonly ticketId: string }): number {
  return left.ticketId < right.ticketId ? -1 : left.ticketId > right.ticketId ? 1 : 0;
}

function byTicket<T extends { readonly ticketId: string }>(changes: ReadonlyMap<string, T>): T[] {
  return [...changes.values()].sort(compareTickets);
}

/** A stored ticket's progress (the defaults for a ticket not stored yet). */
export function progressOfRow(row: ProgressRow | undefined): TicketProgress {
  if (row === undefined) return NEW_TICKET_PROGRESS;
  return {
    queue: row.queue as TicketProgress['queue'],
    priority: row.priority as TicketProgress['priority'],
    slaDueAt: row.sla_due_at,
    assignee: row.assignee,
    assigned: row.assigned,
    claimedBy: row.claimed_by,
    firstResponseAt: row.first_response_at,
    lastReplyAt: row.last_reply_at,
    awaitingSince: row.awaiting_since,
    resolvedAt: row.resolved_at,
    nextResponseBreached: row.next_response_breached,
  };
}

/** Applies a ticket's changes of a batch to its stored progress, with the status and next due time that follow. */
export function foldProgress(steps: ProgressSteps, stored: TicketProgress, dueAt: DueTime): ProgressChangeRow {
  const progress = steps.changes.reduce((current, change) => advance(current, change, dueAt), stored);
  return {
    ticketId: steps.ticketId,
    routed: steps.routed,
    progress,
    status: statusOf(progress),
    nextResponseDueAt: nextResponseDueAt(progress, dueAt),
  };
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

// ISO text: node-postgres formats a Date in an array parameter element by element, in local time, far slower.
const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

const PROGRESS_COLUMNS = [
  column<ProgressChangeRow>('ticket_id', 'text', (row) => row.ticketId),
  column<ProgressChangeRow>('status', 'text', (row) => row.status),
  column<ProgressChangeRow>('queue', 'text', (row) => row.progress.queue),
  column<ProgressChangeRow>('priority', 'text', (row) => row.progress.priority),
  column<ProgressChangeRow>('sla_due_at', 'timestamptz', (row) => iso(row.progress.slaDueAt)),
  column<ProgressChangeRow>('assignee', 'text', (row) => row.progress.assignee),
  column<ProgressChangeRow>('assigned', 'boolean', (row) => row.progress.assigned),
  column<ProgressChangeRow>('claimed_by', 'text', (row) => row.progress.claimedBy),
  column<ProgressChangeRow>('first_response_at', 'timestamptz', (row) => iso(row.progress.firstResponseAt)),
  column<ProgressChangeRow>('last_reply_at', 'timestamptz', (row) => iso(row.progress.lastReplyAt)),
  column<ProgressChangeRow>('awaiting_since', 'timestamptz', (row) => iso(row.progress.awaitingSince)),
  column<ProgressChangeRow>('resolved_at', 'timestamptz', (row) => iso(row.progress.resolvedAt)),
  column<ProgressChangeRow>('next_response_breached', 'boolean', (row) => row.progress.nextResponseBreached),
  column<ProgressChangeRow>('next_response_due_at', 'timestamptz', (row) => iso(row.nextResponseDueAt)),
];

/** A routing decision's other fields, null for a ticket the batch did not route. */
const ROUTED_COLUMNS = [
  column<ProgressChangeRow>('reference', 'text', (row) => row.routed?.reference ?? null),
  column<ProgressChangeRow>('channel', 'text', (row) => row.routed?.channel ?? null),
  column<ProgressChangeRow>('request_type', 'text', (row) => row.routed?.requestType ?? null),
  column<ProgressChangeRow>('org_id', 'text', (row) => row.routed?.orgId ?? null),
  column<ProgressChangeRow>('rule_id', 'text', (row) => row.routed?.ruleId ?? null),
  column<ProgressChangeRow>('routed_at', 'timestamptz', (row) => row.routed?.routedAt ?? null),
];

/** Every column ticket-progress owns, as `SELECT`ed for the fold. */
export const PROGRESS_SELECT = `ticket_id, queue, priority, sla_due_at, assignee, assigned, claimed_by, first_response_at,
  last_reply_at, awaiting_since, resolved_at, next_response_breached`;

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

// The progress was read under the chain lock and folded in memory: the row takes it whole. The
// submitted ticket's own fields win over the routing decision's copies; the latest routing's rule stays.
const upsertProgress = (rows: UnnestedRows): string => `
  INSERT INTO history.tickets (${rows.names}, updated_at)
  SELECT ${rows.names}, now() FROM ${rows.source}
  ON CONFLICT (ticket_id) DO UPDATE SET
    ${PROGRESS_COLUMNS.slice(1)
      .map((spec) => `${spec.name} = EXCLUDED.${spec.name}`)
      .join(', ')},
    reference = COALESCE(history.tickets.reference, EXCLUDED.reference),
    channel = COALESCE(history.tickets.channel, EXCLUDED.channel),
    request_type = COALESCE(history.tickets.request_type, EXCLUDED.request_type),
    org_id = COALESCE(history.tickets.org_id, EXCLUDED.org_id),
    rule_id = COALESCE(EXCLUDED.rule_id, history.tickets.rule_id),
    routed_at = COALESCE(EXCLUDED.routed_at, history.tickets.routed_at),
    updated_at = now()`;

/**
 * Applies a plan inside the caller's transaction, which holds the chain lock (every writer of the
 * ticket rows takes it first): the progress read here is not changed by anyone before it is written.
 * Three statements at most (submitted tickets, the progress read, everything else), whatever the size of the batch.
 */
export async function applyProjection(db: Queryable, plan: ProjectionPlan, dueAt: DueTime): Promise<void> {
  const { submitted, progress } = plan;
  if (submitted.length > 0) {
    const rows = unnestRows('t', SUBMITTED_COLUMNS, submitted);
    await db.query(upsertSubmitted(rows), rows.parameters);
  }
  if (progress.length > 0) {
    const stored = await db.query<ProgressRow[]>(
      `SELECT ${PROGRESS_SELECT} FROM history.tickets WHERE ticket_id = ANY($1::text[])`,
      [progress.map((steps) => steps.ticketId)],
    );
    const byId = new Map(stored.map((row) => [row.ticket_id, row]));
    const folded = progress.map((steps) => foldProgress(steps, progressOfRow(byId.get(steps.ticketId)), dueAt));
    const rows = unnestRows('t', [...PROGRESS_COLUMNS, ...ROUTED_COLUMNS], folded);
    await db.query(upsertProgress(rows), rows.parameters);
  }
}
