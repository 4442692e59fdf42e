import type {
  LifecycleEvent,
  MessageDirection,
  MessageVisibility,
  Priority,
  Queue,
  TicketLifecyclePayload,
  TicketMessagePayload,
  TicketStatus,
} from '#contracts';

/**
 * What is known of a ticket's progress through its conversation, as facts with their times, so
 * that events applied in any order (they travel on different topics) give the same status and due
 * times. Desk and history both derive a ticket's status and response SLAs from it.
 */
export interface TicketProgress {
  readonly queue: Queue | null;
  readonly priority: Priority | null;
  /** When the first response is due (from routing). */
  readonly slaDueAt: Date | null;
  readonly assignee: string | null;
  /** An `assigned` event gave the ticket to its assignee (not routing's choice alone). */
  readonly assigned: boolean;
  readonly claimedBy: string | null;
  /** The first public reply to the requester. A claim is not a response. */
  readonly firstResponseAt: Date | null;
  readonly lastReplyAt: Date | null;
  /** Since when the requester's follow-up (or a reopening) waits for an answer. */
  readonly awaitingSince: Date | null;
  readonly resolvedAt: Date | null;
  /** A follow-up was answered after its next-response due time. */
  readonly nextResponseBreached: boolean;
}

export const NEW_TICKET_PROGRESS: TicketProgress = {
  queue: null,
  priority: null,
  slaDueAt: null,
  assignee: null,
  assigned: false,
  claimedBy: null,
  firstResponseAt: null,
  lastReplyAt: null,
  awaitingSince: null,
  resolvedAt: null,
  nextResponseBreached: false,
};

export type ProgressChange =
  | {
      readonly kind: 'routed';
      readonly queue: Queue;
      readonly priority: Priority;
      readonly slaDueAt: Date;
      readonly assignee: string | null;
    }
  | {
      readonly kind: 'lifecycle';
      readonly event: LifecycleEvent;
      readonly at: Date;
      readonly actor: string | null;
      readonly agentId: string | null;
    }
  | {
      readonly kind: 'message';
      readonly direction: MessageDirection;
      readonly visibility: MessageVisibility;
      readonly sentAt: Date;
    };

/** The change a routing decision (or its queue event) makes: desk and history read it alike. */
export function routedChange(decision: {
  readonly queue: Queue;
  readonly priority: Priority;
  readonly slaDueAt: string;
  readonly assignee?: string | null;
}): ProgressChange {
  return {
    kind: 'routed',
    queue: decision.queue,
    priority: decision.priority,
    slaDueAt: new Date(decision.slaDueAt),
    assignee: decision.assignee ?? null,
  };
}

export function lifecycleChange(event: TicketLifecyclePayload): ProgressChange {
  return {
    kind: 'lifecycle',
    event: event.event,
    at: new Date(event.at),
    actor: event.actor ?? null,
    agentId: event.agentId ?? null,
  };
}

export function messageChange(message: TicketMessagePayload): ProgressChange {
  return {
    kind: 'message',
    direction: message.direction,
    visibility: message.visibility,
    sentAt: new Date(message.sentAt),
  };
}

/** When a response is due, from an instant, for a priority (the rule set's `ServiceLevels.dueAt`). */
export type DueTime = (priority: Priority, from: Date) => Date;

const earliest = (left: Date | null, right: Date): Date => (left === null || right < left ? right : left);
const latest = (left: Date | null, right: Date): Date => (left === null || right > left ? right : left);

export function advance(progress: TicketProgress, change: ProgressChange, dueAt: DueTime): TicketProgress {
  switch (change.kind) {
    case 'routed':
      return {
        ...progress,
        queue: change.queue,
        priority: change.priority,
        slaDueAt: change.slaDueAt,
        // An assignment that came first (it travels on another topic) stays.
        assignee: progress.assigned || progress.claimedBy !== null ? progress.assignee : change.assignee,
      };
    case 'message':
      if (change.visibility === 'internal') return progress;
      return change.direction === 'outbound'
        ? replied(progress, change.sentAt, dueAt)
        : wroteAgain(progress, change.sentAt);
    case 'lifecycle':
      switch (change.event) {
        case 'assigned':
          // Without an agent: given back (its agent went away before claiming it), for the queue again.
          if (change.agentId === null)
            return progress.claimedBy === null ? { ...progress, assignee: null, assigned: false } : progress;
          return {
            ...progress,
            assignee: change.agentId,
            assigned: true,
            claimedBy: progress.claimedBy === change.agentId ? progress.claimedBy : null,
          };
        case 'claimed':
          return change.actor === null ? progress : { ...progress, claimedBy: change.actor, assignee: change.actor };
        case 'replied':
          return replied(progress, change.at, dueAt);
        case 'resolved':
          return { ...progress, resolvedAt: latest(progress.resolvedAt, change.at), awaitingSince: null };
        case 'reopened':
          return wroteAgain(progress, change.at);
        default:
          return progress;
      }
  }
}

function replied(progress: TicketProgress, at: Date, dueAt: DueTime): TicketProgress {
  const awaiting = progress.awaitingSince;
  // A follow-up written after this reply (applied first) still waits.
  const answered = awaiting !== null && awaiting <= at;
  const late = answered && progress.priority !== null && at > dueAt(progress.priority, awaiting);
  return {
    ...progress,
    firstResponseAt: earliest(progress.firstResponseAt, at),
    lastReplyAt: latest(progress.lastReplyAt, at),
    awaitingSince: answered ? null : awaiting,
    nextResponseBreached: progress.nextResponseBreached || late,
  };
}

/** The requester wrote again, or the ticket was reopened: it waits for an answer (and is no longer resolved). */
function wroteAgain(progress: TicketProgress, at: Date): TicketProgress {
  // Written before the ticket was resolved, or before a later reply: already dealt with.
  if (progress.resolvedAt !== null && at <= progress.resolvedAt) return progress;
  if (progress.lastReplyAt !== null && at <= progress.lastReplyAt) return progress;
  return { ...progress, resolvedAt: null, awaitingSince: earliest(progress.awaitingSince, at) };
}

/** The ticket's status, from its facts. */
export function statusOf(progress: TicketProgress): TicketStatus {
  if (progress.resolvedAt !== null) return 'resolved';
  if (progress.awaitingSince !== null) return 'open';
  if (progress.lastReplyAt !== null) return 'pending';
  if (progress.claimedBy !== null) return 'claimed';
  if (progress.assigned) return 'assigned';
  if (progress.queue !== null) return 'routed';
  return 'received';
}

/** When the next response is due: only while a follow-up waits. */
export function nextResponseDueAt(progress: TicketProgress, dueAt: DueTime): Date | null {
  return progress.awaitingSince === null || progress.priority === null
    ? null
    : dueAt(progress.priority, progress.awaitingSince);
}

/**
 * Whether a response SLA was missed, as of `now`: the first response came after its due time (or
 * has not come and the time has passed), a follow-up was answered late, or one waits past its due time.
 */
export function slaBreached(progress: TicketProgress, now: Date, dueAt: DueTime): boolean {
  if (progress.nextResponseBreached) return true;
  if (progress.slaDueAt !== null) {
    // Without a reply, the wait ended with the resolution (if any): a ticket closed in silence after its due time missed it.
    const answeredOrClosed = progress.firstResponseAt ?? progress.resolvedAt ?? now;
    if (answeredOrClosed > progress.slaDueAt) return true;
  }
  const next = nextResponseDueAt(progress, dueAt);
  return next !== null && now > next;
}
