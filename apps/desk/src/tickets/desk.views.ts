import { ApiProperty } from '@nestjs/swagger';
import {
  AUTHOR_KINDS,
  CHANNELS,
  LOCALES,
  MESSAGE_DIRECTIONS,
  MESSAGE_VISIBILITIES,
  PRIORITIES,
  QUEUES,
  REQUEST_TYPES,
  TICKET_STATUSES,
  URGENCIES,
} from '#contracts';
import type {
  AuthorKind,
  Channel,
  Locale,
  MessageDirection,
  MessageVisibility,
  Priority,
  Queue,
  RequestType,
  TicketStatus,
  Urgency,
} from '#contracts';
import type { DeskMessage, DeskTicket } from './desk-ticket.entity.js';

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());
const nullableDate = { format: 'date-time', nullable: true, type: String } as const;
const nullableText = { nullable: true, type: String } as const;

/** A row of a queue: what an agent needs to pick the next ticket. */
export class QueueTicketView {
  @ApiProperty() ticketId!: string;
  @ApiProperty({ example: 'SR-7K4Q-M2XD' }) reference!: string;
  @ApiProperty({ enum: QUEUES }) queue!: Queue;
  @ApiProperty({ enum: TICKET_STATUSES }) status!: TicketStatus;
  @ApiProperty({ enum: PRIORITIES }) priority!: Priority;
  @ApiProperty({ ...nullableText, description: 'agent or PSM id; null: nobody yet (for psm: the pool)' })
  assignee!: string | null;
  @ApiProperty({ ...nullableText, description: 'the agent who claimed it' }) claimedBy!: string | null;
  @ApiProperty({ ...nullableDate, description: 'when the first response is due' }) slaDueAt!: string | null;
  @ApiProperty({ ...nullableDate, description: "while the requester's follow-up waits: when the answer is due" })
  nextResponseDueAt!: string | null;
  @ApiProperty({ ...nullableText, description: 'null once the requester is erased' }) subject!: string | null;
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({ enum: LOCALES }) locale!: Locale;
  @ApiProperty({ enum: REQUEST_TYPES, nullable: true, type: String }) requestType!: RequestType | null;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
}

export class QueueListView {
  @ApiProperty({ type: [QueueTicketView] }) items!: QueueTicketView[];
}

export class RequesterView {
  @ApiProperty(nullableText) userId!: string | null;
  @ApiProperty(nullableText) name!: string | null;
  @ApiProperty(nullableText) email!: string | null;
  @ApiProperty({ ...nullableText, description: 'E.164' }) phone!: string | null;
  @ApiProperty(nullableText) orgId!: string | null;
}

export class MessageView {
  @ApiProperty() messageId!: string;
  @ApiProperty({ enum: MESSAGE_DIRECTIONS }) direction!: MessageDirection;
  @ApiProperty({ enum: MESSAGE_VISIBILITIES, description: 'internal: a note among staff, never sent' })
  visibility!: MessageVisibility;
  @ApiProperty({ enum: AUTHOR_KINDS }) authorKind!: AuthorKind;
  @ApiProperty(nullableText) authorId!: string | null;
  @ApiProperty({ enum: CHANNELS }) channel!: Channel;
  @ApiProperty({ ...nullableText, description: 'null once the requester is erased' }) body!: string | null;
  @ApiProperty({ format: 'date-time' }) sentAt!: string;
}

/** A ticket with its whole conversation (reading it is recorded in history). */
export class DeskTicketView extends QueueTicketView {
  @ApiProperty({ enum: URGENCIES }) urgency!: Urgency;
  @ApiProperty({ type: () => RequesterView }) requester!: RequesterView;
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: 'form only: the requester lets support run tests on their workspace',
  })
  allowWorkspaceTesting!: boolean | null;
  @ApiProperty({ description: 'the rule that routed it' }) ruleId!: string;
  @ApiProperty({ description: 'why it was routed here' }) routingReason!: string;
  @ApiProperty({ ...nullableDate, description: 'the first public reply to the requester' })
  firstResponseAt!: string | null;
  @ApiProperty(nullableDate) resolvedAt!: string | null;
  @ApiProperty({ ...nullableText, description: 'the earlier ticket a late follow-up started this one from' })
  relatedTicketId!: string | null;
  @ApiProperty({ description: "the requester's personal data was erased" }) personalDataErased!: boolean;
  @ApiProperty({ type: [MessageView], description: 'oldest first; the first is the request itself' })
  conversation!: MessageView[];
}

export class DeskTicketListView {
  @ApiProperty({ type: [QueueTicketView] }) items!: QueueTicketView[];
}

export function toQueueTicketView(ticket: DeskTicket): QueueTicketView {
  return {
    ticketId: ticket.ticketId,
    reference: ticket.reference ?? '',
    queue: ticket.queue ?? 'support',
    status: ticket.status ?? 'received',
    priority: ticket.priority ?? 'P3',
    assignee: ticket.assignee,
    claimedBy: ticket.claimedBy,
    slaDueAt: iso(ticket.slaDueAt),
    nextResponseDueAt: iso(ticket.nextResponseDueAt),
    subject: ticket.subject,
    channel: ticket.channel ?? 'email',
    locale: ticket.locale ?? 'en',
    requestType: ticket.requestType,
    receivedAt: iso(ticket.receivedAt) ?? ticket.updatedAt.toISOString(),
  };
}

export function toMessageView(message: DeskMessage): MessageView {
  return {
    messageId: message.messageId,
    direction: message.direction,
    visibility: message.visibility,
    authorKind: message.authorKind,
    authorId: message.authorId,
    channel: message.channel,
    body: message.body,
    sentAt: message.sentAt.toISOString(),
  };
}

export function toDeskTicketView(ticket: DeskTicket, messages: readonly DeskMessage[]): DeskTicketView {
  // The request itself opens the conversation (it came with the ticket, not as a message event).
  const request: MessageView = {
    messageId: `${ticket.ticketId}:request`,
    direction: 'inbound',
    visibility: 'public',
    authorKind: 'requester',
    authorId: ticket.requesterUserId,
    channel: ticket.channel ?? 'email',
    body: ticket.message,
    sentAt: iso(ticket.receivedAt) ?? ticket.updatedAt.toISOString(),
  };
  return {
    ...toQueueTicketView(ticket),
    urgency: ticket.urgency ?? 'normal',
    requester: {
      userId: ticket.requesterUserId,
      name: ticket.requesterName,
      email: ticket.requesterEmail,
      phone: ticket.requesterPhone,
      orgId: ticket.orgId,
    },
    allowWorkspaceTesting: ticket.workspaceTesting,
    ruleId: ticket.ruleId ?? '',
    routingReason: ticket.routingReason ?? '',
    firstResponseAt: iso(ticket.firstResponseAt),
    resolvedAt: iso(ticket.resolvedAt),
    relatedTicketId: ticket.relatedTicketId,
    personalDataErased: ticket.personalDataErasedAt !== null,
    conversation: [request, ...messages.map(toMessageView)],
  };
}
