import { TICKET_REFERENCE_PATTERN, deterministicUuid, ticketReference } from '#contracts';
import type { Channel, RequestFields } from '#contracts';

/** What intake keeps about a ticket it accepted, to tell whose it is (`intake.ticket_owners`). */
export interface TicketOwner {
  readonly ticketId: string;
  /** Upper case, as `ticketReference` writes it. */
  readonly reference: string;
  readonly channel: Channel;
  /** `ownerOf` the ticket's requester; null when the channel's identity was missing (it matches no one). */
  readonly owner: string | null;
  readonly resolvedAt: Date | null;
}

export type NewTicketOwner = Omit<TicketOwner, 'resolvedAt'>;

/** The owner record of a ticket a request starts. */
export function newTicketOwner(
  ticketId: string,
  channel: Channel,
  requester: { readonly userId?: string | null; readonly email?: string | null },
): NewTicketOwner {
  return { ticketId, reference: ticketReference(ticketId), channel, owner: ownerOf(channel, requester) };
}

export type FollowUpDecision =
  | { readonly kind: 'new-ticket'; readonly relatedTicketId: string | null }
  | { readonly kind: 'follow-up'; readonly ticketId: string; readonly reference: string }
  /** chat/form only: a reference that is unknown or someone else's, told apart from neither. */
  | { readonly kind: 'unknown-reference' };

export const NEW_TICKET = { kind: 'new-ticket', relatedTicketId: null } as const satisfies FollowUpDecision;

const DAY_MS = 86_400_000;
const SUBJECT_REFERENCE = /\[(SR-[0-9A-Z]{4}-[0-9A-Z]{4})\]/i;

/** The reference a request follows up on: its `ticketReference`, or for email one in square brackets in the subject. */
export function referenceOf(request: Pick<RequestFields, 'channel' | 'subject' | 'ticketReference'>): string | null {
  if (request.ticketReference !== undefined && TICKET_REFERENCE_PATTERN.test(request.ticketReference))
    return request.ticketReference.toUpperCase();
  if (request.channel !== 'email' || request.subject === undefined) return null;
  const found = SUBJECT_REFERENCE.exec(request.subject);
  return found?.[1] === undefined ? null : found[1].toUpperCase();
}

/**
 * Who a requester is for follow-ups, as a one-way hash (the table holds no identifier): the user
 * id on chat and form (from the token), the email address, case-insensitively, on email and phone.
 * The two namespaces never match each other.
 */
export function ownerOf(
  channel: Channel,
  requester: { readonly userId?: string | null; readonly email?: string | null },
): string | null {
  if (channel === 'chat' || channel === 'form') {
    return requester.userId ? deterministicUuid('ticket-owner', 'user', requester.userId) : null;
  }
  const email = requester.email?.trim().toLowerCase();
  return email ? deterministicUuid('ticket-owner', 'email', email) : null;
}

export interface FollowUpQuestion {
  readonly channel: Channel;
  /** `referenceOf` the request; null: not a follow-up. */
  readonly reference: string | null;
  /** `ownerOf` the request's requester. */
  readonly owner: string | null;
  /** The tickets known under that reference (normally one). */
  readonly candidates: readonly TicketOwner[];
  readonly now: Date;
  readonly reopenWindowDays: number;
}

/**
 * Whether a request joins one of its requester's tickets. Chat and form requesters are
 * authenticated: a reference that is not theirs is refused the same way as an unknown one (no
 * oracle of which references exist). Email and phone senders are not: a reference that does not
 * match starts a new ticket, never attached to someone else's. A ticket resolved longer ago than
 * the reopen window is not reopened: a new ticket names it instead.
 */
export function decideFollowUp(question: FollowUpQuestion): FollowUpDecision {
  if (question.reference === null) return NEW_TICKET;
  const ticket =
    question.owner === null
      ? undefined
      : question.candidates.find(
          (candidate) => candidate.reference === question.reference && candidate.owner === question.owner,
        );
  if (ticket === undefined) {
    return question.channel === 'chat' || question.channel === 'form' ? { kind: 'unknown-reference' } : NEW_TICKET;
  }
  if (
    ticket.resolvedAt !== null &&
    question.now.getTime() - ticket.resolvedAt.getTime() > question.reopenWindowDays * DAY_MS
  ) {
    return { kind: 'new-ticket', relatedTicketId: ticket.ticketId };
  }
  return { kind: 'follow-up', ticketId: ticket.ticketId, reference: ticket.reference };
}

/** The id of the message a request adds to a ticket: a retried request or a redelivered record gives the same. */
export function followUpMessageId(requestId: string): string {
  return deterministicUuid('ticket.message', requestId);
}

export interface ResolutionChange {
  readonly ticketId: string;
  /** true: resolved at `at`; false: reopened at `at`. */
  readonly resolved: boolean;
  readonly at: string;
}

/**
 * The resolution changes of a batch of lifecycle events, one per ticket: the last `resolved` or
 * `reopened` of each (a ticket's events share a partition, so their order is the batch's).
 */
export function resolutionChanges(
  events: readonly { readonly ticketId: string; readonly event: string; readonly at: string }[],
): ResolutionChange[] {
  const last = new Map<string, ResolutionChange>();
  for (const { ticketId, event, at } of events) {
    if (event !== 'resolved' && event !== 'reopened') continue;
    last.delete(ticketId);
    last.set(ticketId, { ticketId, resolved: event === 'resolved', at });
  }
  return [...last.values()];
}
