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

export class TicketView {
  @ApiProperty() ticketId!: string;
  @ApiProperty({ nullable: true }) reference!: string | null;
  @ApiProperty() status!: string;
  @ApiProperty({ nullable: true }) channel!: string | null;
  @ApiProperty({ nullable: true }) requestType!: string | null;
  @ApiProperty({ nullable: true }) queue!: string | null;
  @ApiProperty({ nullable: true }) assignee!: string | null;
  @ApiProperty({ nullable: true }) priority!: string | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) slaDueAt!: string | null;
  @ApiProperty() slaBreached!: boolean;
  @ApiProperty({ nullable: true }) allowWorkspaceTesting!: boolean | null;
  @ApiProperty({ type: [TimelineEntryView] }) timeline!: TimelineEntryView[];
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
  const entry: TimelineEntryView = { id: row.ce_id, type: row.type, topic: row.topic, time: row.occurred_at.toISOString() };
  for (const field of DETAIL_FIELDS[row.topic] ?? []) {
    if (row.payload[field] !== undefined) entry[field] = row.payload[field];
  }
  return entry;
}

/**
 * First-response SLA: breached when the first reply (or the resolution, when nobody replied) came
 * after the due time, or has not come and the due time has passed.
 */
export function isSlaBreached(row: TicketRow, now: Date): boolean {
  if (!row.sla_due_at) return false;
  const respondedAt = row.first_response_at;
  return respondedAt ? respondedAt > row.sla_due_at : now > row.sla_due_at;
}

export class TicketSummaryView {
  @ApiProperty() ticketId!: string;
  @ApiProperty({ nullable: true }) reference!: string | null;
  @ApiProperty() status!: string;
  @ApiProperty({ nullable: true }) channel!: string | null;
  @ApiProperty({ nullable: true }) requestType!: string | null;
  @ApiProperty({ nullable: true }) orgId!: string | null;
  @ApiProperty({ nullable: true }) queue!: string | null;
  @ApiProperty({ nullable: true }) assignee!: string | null;
  @ApiProperty({ nullable: true }) priority!: string | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) receivedAt!: string | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) slaDueAt!: string | null;
  @ApiProperty() slaBreached!: boolean;
}

export class TicketPageView {
  @ApiProperty({ type: [TicketSummaryView] }) items!: TicketSummaryView[];
  @ApiProperty({ nullable: true, description: 'pass as ?cursor= for the next page; null on the last page' }) nextCursor!: string | null;
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

export function toTicketView(row: TicketRow, events: readonly EventRow[], now: Date): TicketView {
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
    timeline: events.map(toTimelineEntry),
  };
}
