import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Channel, Locale, Priority, Queue, RequestType, TicketStatus, Urgency } from '#contracts';
import type { TicketProgress } from '#rules';

const timestamp = { type: 'timestamptz', nullable: true } as const;
const text = { type: 'text', nullable: true } as const;

/** A ticket as desk sees it: the queue event's copy of the ticket and routing, and its progress. */
@Entity({ schema: 'desk', name: 'tickets' })
export class DeskTicket {
  @PrimaryColumn({ name: 'ticket_id', type: 'text' }) ticketId!: string;
  @Column(text) reference!: string | null;
  @Column({ ...text, name: 'request_id' }) requestId!: string | null;
  @Column(text) queue!: Queue | null;
  @Column(text) status!: TicketStatus | null;
  @Column(text) priority!: Priority | null;
  @Column({ ...timestamp, name: 'sla_due_at' }) slaDueAt!: Date | null;
  @Column({ ...text, name: 'rule_id' }) ruleId!: string | null;
  @Column({ ...text, name: 'routing_reason' }) routingReason!: string | null;
  @Column(text) channel!: Channel | null;
  @Column({ ...text, name: 'request_type' }) requestType!: RequestType | null;
  @Column(text) urgency!: Urgency | null;
  @Column(text) locale!: Locale | null;
  @Column({ ...text, name: 'org_id' }) orgId!: string | null;
  @Column(text) subject!: string | null;
  @Column(text) message!: string | null;
  @Column({ ...text, name: 'requester_user_id' }) requesterUserId!: string | null;
  @Column({ ...text, name: 'requester_name' }) requesterName!: string | null;
  @Column({ ...text, name: 'requester_email' }) requesterEmail!: string | null;
  @Column({ ...text, name: 'requester_phone' }) requesterPhone!: string | null;
  @Column({ type: 'boolean', nullable: true, name: 'workspace_testing' }) workspaceTesting!: boolean | null;
  @Column({ ...timestamp, name: 'received_at' }) receivedAt!: Date | null;
  @Column({ ...text, name: 'related_ticket_id' }) relatedTicketId!: string | null;
  @Column(text) assignee!: string | null;
  @Column({ type: 'boolean', default: false }) assigned!: boolean;
  @Column({ ...text, name: 'claimed_by' }) claimedBy!: string | null;
  @Column({ ...timestamp, name: 'first_response_at' }) firstResponseAt!: Date | null;
  @Column({ ...timestamp, name: 'last_reply_at' }) lastReplyAt!: Date | null;
  @Column({ ...timestamp, name: 'awaiting_since' }) awaitingSince!: Date | null;
  @Column({ ...timestamp, name: 'next_response_due_at' }) nextResponseDueAt!: Date | null;
  @Column({ type: 'boolean', default: false, name: 'next_response_breached' }) nextResponseBreached!: boolean;
  @Column({ ...timestamp, name: 'resolved_at' }) resolvedAt!: Date | null;
  @Column({ ...timestamp, name: 'personal_data_erased_at' }) personalDataErasedAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'updated_at' }) updatedAt!: Date;
  /** The PSM routing named, whatever the assignee became since. */
  @Column({ ...text, name: 'routed_assignee' }) routedAssignee!: string | null;
  @Column({ ...timestamp, name: 'queued_at' }) queuedAt!: Date | null;
  /** Assignment has nothing (more) to decide: assigned, claimed, or left to the pool. */
  @Column({ type: 'boolean', default: false, name: 'assignment_settled' }) assignmentSettled!: boolean;
}

/** One message of a ticket's conversation (the first one is the ticket's own `message`). */
@Entity({ schema: 'desk', name: 'messages' })
export class DeskMessage {
  @PrimaryColumn({ name: 'message_id', type: 'text' }) messageId!: string;
  @Column({ name: 'ticket_id', type: 'text' }) ticketId!: string;
  @Column({ type: 'text' }) direction!: 'inbound' | 'outbound';
  @Column({ type: 'text' }) visibility!: 'public' | 'internal';
  @Column({ name: 'author_kind', type: 'text' }) authorKind!: 'requester' | 'agent' | 'system';
  @Column({ ...text, name: 'author_id' }) authorId!: string | null;
  @Column({ type: 'text' }) channel!: Channel;
  /** Null once the requester's personal data is erased. */
  @Column(text) body!: string | null;
  @Column({ name: 'sent_at', type: 'timestamptz' }) sentAt!: Date;
}

export function progressOf(ticket: DeskTicket): TicketProgress {
  return {
    queue: ticket.queue,
    priority: ticket.priority,
    slaDueAt: ticket.slaDueAt,
    assignee: ticket.assignee,
    assigned: ticket.assigned,
    claimedBy: ticket.claimedBy,
    firstResponseAt: ticket.firstResponseAt,
    lastReplyAt: ticket.lastReplyAt,
    awaitingSince: ticket.awaitingSince,
    resolvedAt: ticket.resolvedAt,
    nextResponseBreached: ticket.nextResponseBreached,
  };
}

/** A new row: nothing known yet but its id (the first event of the ticket fills it in). */
export function emptyTicket(ticketId: string, now: Date): DeskTicket {
  const ticket = new DeskTicket();
  Object.assign(ticket, {
    ticketId,
    reference: null,
    requestId: null,
    queue: null,
    status: null,
    priority: null,
    slaDueAt: null,
    ruleId: null,
    routingReason: null,
    channel: null,
    requestType: null,
    urgency: null,
    locale: null,
    orgId: null,
    subject: null,
    message: null,
    requesterUserId: null,
    requesterName: null,
    requesterEmail: null,
    requesterPhone: null,
    workspaceTesting: null,
    receivedAt: null,
    relatedTicketId: null,
    assignee: null,
    assigned: false,
    claimedBy: null,
    firstResponseAt: null,
    lastReplyAt: null,
    awaitingSince: null,
    nextResponseDueAt: null,
    nextResponseBreached: false,
    resolvedAt: null,
    personalDataErasedAt: null,
    updatedAt: now,
    routedAssignee: null,
    queuedAt: null,
    assignmentSettled: false,
  } satisfies Omit<DeskTicket, never>);
  return ticket;
}
