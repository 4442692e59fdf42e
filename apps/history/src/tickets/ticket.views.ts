import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Topics, topicSpec } from '#contracts';
import type { EventRow, TicketRow } from './ticket.repository.js';

export class TimelineEntryView {
  @ApiProperty({ description: 'CloudEvents id of the event' }) id!: string;
  @ApiProperty({ example: topicSpec(Topics.ticketsRouted).eventType }) type!: string;
  @ApiProperty() topic!: string;
  @ApiProperty({ format: 'date-time' }) time!: string;
  @ApiPropertyOptional() ruleId?: string;
  @ApiPropertyOptional() reason?: string;
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
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'first claim, reply or resolution' })
  firstResponseAt!: string | null;
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
  [Topics.ticketsLifecycle]: ['event', 'actor', 'alertId'],
  [Topics.notifications]: ['notificationId', 'audience', 'channel', 'outcome', 'attempt'],
};

export function toTimelineEntry(row: EventRow): TimelineEntryView {
  const entry: TimelineEntryView = {
    id: row.ce_id,
    type: row.type,
    topic: row.topic,
    time: row.occurred_at.toISOString(),
  };
  for (const field of DETAIL_FIELDS[row.topic] ?? []) {
    if (row.payload[field] !== undefined) entry[field] = row.payload[field];
  }
  return entry;
}

/**
 * First-response SLA: breached when the first claim, reply or resolution came after the due time,
 * or none has come and the due time has passed.
 */
export function isSlaBreached(row: TicketRow, now: Date): boolean {
  if (!row.sla_due_at) return false;
  const respondedAt = row.first_response_at;
  return respondedAt ? respondedAt > row.sla_due_at : now > row.sla_due_at;
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

export function toTicketSummary(row: TicketRow, now: Date): TicketSummaryView {
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
    slaBreached: isSlaBreached(row, now),
  };
}

export function toTicketView(
  row: TicketRow,
  events: readonly EventRow[],
  now: Date,
  personalData: PersonalDataView,
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
    slaBreached: isSlaBreached(row, now),
    allowWorkspaceTesting: row.allow_workspace_testing,
    firstResponseAt: row.first_response_at ? row.first_response_at.toISOString() : null,
    personalData,
    timeline: events.map(toTimelineEntry),
  };
}
