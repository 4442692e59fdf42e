import type { QueuedTicketPayload, TicketLifecyclePayload, TicketMessagePayload } from '#contracts';
import { advance, lifecycleChange, messageChange, nextResponseDueAt, routedChange, statusOf } from '#rules';
import type { DueTime, TicketProgress } from '#rules';
import { DeskMessage, progressOf } from './desk-ticket.entity.js';
import type { DeskTicket } from './desk-ticket.entity.js';

/** What an agent's event stream says of a ticket (SSE event types). */
export const STREAM_KINDS = ['ticket.added', 'ticket.assigned', 'ticket.changed', 'ticket.resolved'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

/** One event of a ticket, from Kafka or from an agent's action in desk. */
export type DeskChange =
  | { readonly kind: 'queued'; readonly payload: QueuedTicketPayload }
  | { readonly kind: 'lifecycle'; readonly payload: TicketLifecyclePayload }
  | { readonly kind: 'message'; readonly payload: TicketMessagePayload };

export function ticketIdOf(change: DeskChange): string {
  return change.payload.ticketId;
}

/** The SSE event a change gives rise to; of several changes of one ticket, the one agents most need to see. */
const STREAM_RANK: Record<StreamKind, number> = {
  'ticket.changed': 0,
  'ticket.assigned': 1,
  'ticket.resolved': 2,
  'ticket.added': 3,
};

export function strongerKind(left: StreamKind | null, right: StreamKind | null): StreamKind | null {
  if (left === null) return right;
  if (right === null) return left;
  return STREAM_RANK[right] > STREAM_RANK[left] ? right : left;
}

/**
 * Applies one change to a ticket (in place) and says what the agents' stream should show; a new
 * message of the conversation is returned for storage. Personal data of an erased requester is
 * never stored again, whatever arrives later.
 */
export function applyChange(
  ticket: DeskTicket,
  change: DeskChange,
  dueAt: DueTime,
  now: Date,
): { readonly stream: StreamKind | null; readonly message: DeskMessage | null } {
  let progress: TicketProgress = progressOf(ticket);
  let stream: StreamKind | null = 'ticket.changed';
  let message: DeskMessage | null = null;
  switch (change.kind) {
    case 'queued': {
      const queued = change.payload;
      const wasQueued = ticket.queue !== null;
      fillDetails(ticket, queued);
      if (!wasQueued) {
        ticket.routedAssignee = queued.assignee ?? null;
        ticket.queuedAt = now;
      }
      progress = advance(progress, routedChange(queued), dueAt);
      stream = wasQueued ? 'ticket.changed' : 'ticket.added';
      break;
    }
    case 'lifecycle': {
      const event = change.payload;
      if (event.event === 'alert.acknowledged' || event.event === 'alert.escalated')
        return { stream: null, message: null };
      progress = advance(progress, lifecycleChange(event), dueAt);
      if (event.event === 'claimed' || event.event === 'assigned')
        ticket.assignmentSettled = progress.assigned || progress.claimedBy !== null;
      stream =
        event.event === 'resolved'
          ? 'ticket.resolved'
          : event.event === 'assigned' || event.event === 'claimed'
            ? 'ticket.assigned'
            : 'ticket.changed';
      break;
    }
    case 'message': {
      const payload = change.payload;
      progress = advance(progress, messageChange(payload), dueAt);
      message = Object.assign(new DeskMessage(), {
        messageId: payload.messageId,
        ticketId: payload.ticketId,
        direction: payload.direction,
        visibility: payload.visibility,
        authorKind: payload.author.kind,
        authorId: payload.author.id ?? null,
        channel: payload.channel,
        body: ticket.personalDataErasedAt === null ? payload.body : null,
        sentAt: new Date(payload.sentAt),
      } satisfies Omit<DeskMessage, never>);
      break;
    }
  }
  setProgress(ticket, progress, dueAt);
  ticket.updatedAt = now;
  return { stream, message };
}

function setProgress(ticket: DeskTicket, progress: TicketProgress, dueAt: DueTime): void {
  ticket.queue = progress.queue;
  ticket.priority = progress.priority;
  ticket.slaDueAt = progress.slaDueAt;
  ticket.assignee = progress.assignee;
  ticket.assigned = progress.assigned;
  ticket.claimedBy = progress.claimedBy;
  ticket.firstResponseAt = progress.firstResponseAt;
  ticket.lastReplyAt = progress.lastReplyAt;
  ticket.awaitingSince = progress.awaitingSince;
  ticket.resolvedAt = progress.resolvedAt;
  ticket.nextResponseBreached = progress.nextResponseBreached;
  ticket.status = statusOf(progress);
  ticket.nextResponseDueAt = nextResponseDueAt(progress, dueAt);
}

function fillDetails(ticket: DeskTicket, queued: QueuedTicketPayload): void {
  const source = queued.ticket;
  ticket.reference = queued.reference;
  ticket.requestId = source.requestId;
  ticket.ruleId = queued.ruleId;
  ticket.routingReason = queued.reason;
  ticket.channel = source.channel;
  ticket.requestType = source.requestType ?? null;
  ticket.urgency = source.urgency;
  ticket.locale = source.locale;
  ticket.orgId = source.requester.orgId ?? null;
  ticket.workspaceTesting = source.workspaceTesting ? source.workspaceTesting.granted : null;
  ticket.receivedAt = new Date(source.receivedAt);
  ticket.relatedTicketId = source.relatedTicketId ?? null;
  if (ticket.personalDataErasedAt !== null) return;
  ticket.subject = source.subject ?? null;
  ticket.message = source.message;
  ticket.requesterUserId = source.requester.userId ?? null;
  ticket.requesterName = source.requester.name ?? null;
  ticket.requesterEmail = source.requester.email ?? null;
  ticket.requesterPhone = source.requester.phone ?? null;
}

/** What erasure leaves of a ticket: everything but the requester's personal data. */
export function erasePersonalData(ticket: DeskTicket, at: Date): void {
  ticket.subject = null;
  ticket.message = null;
  ticket.requesterUserId = null;
  ticket.requesterName = null;
  ticket.requesterEmail = null;
  ticket.requesterPhone = null;
  ticket.personalDataErasedAt ??= at;
  ticket.updatedAt = at;
}
