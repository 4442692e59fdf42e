import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ASSIGNMENT_SOURCES,
  AUTHOR_KINDS,
  MESSAGE_DIRECTIONS,
  MESSAGE_VISIBILITIES,
  Topics,
  topicSpec,
} from '#contracts';
import { slaBreached } from '#rules';
import type { DueTime } from '#rules';
import { progressOfRow } from '../recording/ticket-projection.js';
import type { EventRow, TicketRow } from './ticket.repository.js';

export class TimelineEntryView {
  @ApiProperty({ description: 'CloudEvents id of the event' }) id!: string;
  @ApiProperty({ example: topicSpec(Topics.ticketsRouted).eventType }) type!: string;
  @ApiProperty() topic!: string;
  @ApiProperty({ format: 'date-time' }) time!: string;
  @ApiPropertyOptional() ruleId?: string;
  @ApiPropertyOptional({ description: 'routing: why this queue; assigned: why this agent' }) reason?: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'lifecycle assigned: the agent the ticket now belongs to (null: back to the queue)',
  })
  agentId?: string | null;
  @ApiPropertyOptional({
    enum: ASSIGNMENT_SOURCES,
    nullable: true,
    description: 'lifecycle assigned: who assigned it',
  })
  by?: string | null;
  @ApiPropertyOptional({ enum: MESSAGE_DIRECTIONS, description: 'message' }) direction?: string;
  @ApiPropertyOptional({ enum: MESSAGE_VISIBILITIES, description: 'message' }) visibility?: string;
  @ApiPropertyOptional({ enum: AUTHOR_KINDS, description: 'message: who wrote it' }) authorKind?: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "message: its text, personal data of the ticket's requester; null once they are erased",
  })
  body?: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'lifecycle: who acted; personal-data access: who read the requester’s data (their user id)',
  })
  actor?: string | null;
  @ApiPropertyOptional({ description: 'personal-data access: what was read, e.g. desk.ticket' }) purpose?: string;
  [detail: string]: unknown;
}

export class RequesterView {
  @ApiProperty({ type: String, nullable: true }) userId!: string | null;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
}

/** The requester's personal data, decrypted; `erased` once their key is destroyed (every field null). */
export class PersonalDataView {
  @ApiProperty({ enum: ['present', 'erased', 'unknown'] }) status!: 'present' | 'erased' | 'unknown';
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) erasedAt!: string | null;
  @ApiProperty({ type: RequesterView, nullable: true }) requester!: RequesterView | null;
  @ApiProperty({ type: String, nullable: true }) subject!: string | null;
  @ApiProperty({ type: String, nullable: true }) message!: string | null;
}

export class TicketView {
  @ApiProperty() ticketId!: string;
  @ApiProperty({ type: String, nullable: true }) reference!: string | null;
  @ApiProperty() status!: string;
  @ApiProperty({ type: String, nullable: true }) channel!: string | null;
  @ApiProperty({ type: String, nullable: true }) requestType!: string | null;
  @ApiProperty({ type: String, nullable: true }) queue!: string | null;
  @ApiProperty({ type: String, nullable: true }) assignee!: string | null;
  @ApiProperty({ type: String, nullable: true }) priority!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) slaDueAt!: string | null;
  @ApiProperty() slaBreached!: boolean;
  @ApiProperty({ type: Boolean, nullable: true }) allowWorkspaceTesting!: boolean | null;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'the first public reply to the requester (a claim is not a response)',
  })
  firstResponseAt!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: "while the requester's follow-up waits for an answer: when the answer is due",
  })
  nextResponseDueAt!: string | null;
  @ApiProperty({ type: PersonalDataView }) personalData!: PersonalDataView;
  @ApiProperty({
    type: [TimelineEntryView],
    description: 'every event, in order, each with the details of its kind (ruleId and reason for the routing)',
  })
  timeline!: TimelineEntryView[];
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** From the decrypted personal fields of the ticket's submitted event (null: none readable). */
export function toPersonalDataView(
  row: TicketRow,
  personal: Readonly<Record<string, unknown>> | null,
  keyDestroyed: boolean,
): PersonalDataView {
  if (personal === null) {
    const erased = keyDestroyed || row.personal_data_erased_at !== null;
    return {
      status: erased ? 'erased' : 'unknown',
      erasedAt: row.personal_data_erased_at ? row.personal_data_erased_at.toISOString() : null,
      requester: null,
      subject: null,
      message: null,
    };
  }
  return {
    status: 'present',
    erasedAt: null,
    requester: {
      userId: text(personal['requester.userId']),
      email: text(personal['requester.email']),
      name: text(personal['requester.name']),
    },
    subject: text(personal.subject),
    message: text(personal.message),
  };
}

const DETAIL_FIELDS: Record<string, readonly string[]> = {
  [Topics.ticketsSubmitted]: ['channel', 'requestType', 'urgency', 'locale'],
  [Topics.ticketsRouted]: ['queue', 'assignee', 'priority', 'slaDueAt', 'ruleId', 'ruleSetVersion', 'reason', 'alert'],
  [Topics.queuePsm]: ['queue', 'assignee', 'priority'],
  [Topics.queueSupport]: ['queue', 'assignee', 'priority'],
  [Topics.alertsPhoneDesk]: ['alertId', 'target', 'priority', 'reason'],
  [Topics.ticketsLifecycle]: ['event', 'actor', 'alertId', 'agentId', 'by', 'reason'],
  [Topics.notifications]: ['notificationId', 'audience', 'channel', 'outcome', 'attempt'],
  [Topics.ticketsMessages]: ['messageId', 'direction', 'visibility', 'channel', 'sentAt'],
  [Topics.personalDataAccessed]: ['accessId', 'actor', 'purpose', 'at'],
};

/**
 * One event of the timeline with the details of its kind. A message's body is personal data: the
 * caller passes it decrypted (`undefined` when the event has none), null when its key is destroyed.
 */
export function toTimelineEntry(row: EventRow, body?: string | null): TimelineEntryView {
  const entry: TimelineEntryView = {
    id: row.ce_id,
    type: row.type,
    topic: row.topic,
    time: row.occurred_at.toISOString(),
  };
  for (const field of DETAIL_FIELDS[row.topic] ?? []) {
    if (row.payload[field] !== undefined) entry[field] = row.payload[field];
  }
  if (row.topic === Topics.ticketsMessages) {
    const author = row.payload.author;
    const kind = author !== null && typeof author === 'object' ? (author as Record<string, unknown>).kind : null;
    if (typeof kind === 'string') entry.authorKind = kind;
    entry.body = body ?? null;
  }
  return entry;
}

/**
 * Whether a response SLA was missed (first or next response), as ticket-progress says: the first
 * reply came late (or has not come and is overdue), a follow-up was answered late, or one waits
 * past its due time.
 */
export function isSlaBreached(row: TicketRow, now: Date, dueAt: DueTime): boolean {
  return slaBreached(progressOfRow(row), now, dueAt);
}

export class TicketSummaryView {
  @ApiProperty() ticketId!: string;
  @ApiProperty({ type: String, nullable: true }) reference!: string | null;
  @ApiProperty() status!: string;
  @ApiProperty({ type: String, nullable: true }) channel!: string | null;
  @ApiProperty({ type: String, nullable: true }) requestType!: string | null;
  @ApiProperty({ type: String, nullable: true }) orgId!: string | null;
  @ApiProperty({ type: String, nullable: true }) queue!: string | null;
  @ApiProperty({ type: String, nullable: true }) assignee!: string | null;
  @ApiProperty({ type: String, nullable: true }) priority!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) receivedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) slaDueAt!: string | null;
  @ApiProperty() slaBreached!: boolean;
}

export class TicketPageView {
  @ApiProperty({ type: [TicketSummaryView] }) items!: TicketSummaryView[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'pass as ?cursor= for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export function toTicketSummary(row: TicketRow, now: Date, dueAt: DueTime): TicketSummaryView {
  return {
    ticketId: row.ticket_id,
    reference: row.reference,
    status: row.status,
    channel: row.channel,
    requestType: row.request_type,
    orgId: row.org_id,
    queue: row.queue,
    assignee: row.assignee,
    priority: row.priority,
    receivedAt: row.received_at ? row.received_at.toISOString() : null,
    slaDueAt: row.sla_due_at ? row.sla_due_at.toISOString() : null,
    slaBreached: isSlaBreached(row, now, dueAt),
  };
}

export function toTicketView(
  row: TicketRow,
  timeline: TimelineEntryView[],
  now: Date,
  personalData: PersonalDataView,
  dueAt: DueTime,
): TicketView {
  return {
    ticketId: row.ticket_id,
    reference: row.reference,
    status: row.status,
    channel: row.channel,
    requestType: row.request_type,
    queue: row.queue,
    assignee: row.assignee,
    priority: row.priority,
    slaDueAt: row.sla_due_at ? row.sla_due_at.toISOString() : null,
    slaBreached: isSlaBreached(row, now, dueAt),
    allowWorkspaceTesting: row.allow_workspace_testing,
    firstResponseAt: row.first_response_at ? row.first_response_at.toISOString() : null,
    nextResponseDueAt: row.next_response_due_at ? row.next_response_due_at.toISOString() : null,
    personalData,
    timeline,
  };
}
