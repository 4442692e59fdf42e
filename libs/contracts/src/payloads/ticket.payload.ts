import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ALERT_TARGETS, CHANNELS, LOCALES, PRIORITIES, QUEUES, REQUEST_TYPES, URGENCIES } from '../enums.js';
import type { AlertTarget, Channel, Locale, Priority, Queue, RequestType, Urgency } from '../enums.js';
import { MESSAGE_MAX_LENGTH, PHONE_PATTERN, SUBJECT_MAX_LENGTH } from './request.payload.js';

/** Every text of a ticket is bounded: a valid ticket, and all that routing derives from it, fits in a Kafka record. */
export const ID_MAX_LENGTH = 128;

export class TicketRequesterPayload {
  @IsOptional()
  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  userId!: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  orgId!: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(254)
  email!: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  name!: string | null;

  @IsOptional()
  @Matches(PHONE_PATTERN)
  phone?: string | null;
}

export class WorkspaceTestingConsentPayload {
  @IsBoolean()
  granted!: boolean;

  /** userId of the person who ticked (or left ticked) the box. */
  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  grantedBy!: string;

  @IsISO8601()
  recordedAt!: string;
}

/** `support.tickets.submitted.v1`: a validated, normalised ticket. */
export class TicketSubmittedPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  ticketId!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  reference!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  requestId!: string;

  @IsIn(CHANNELS)
  channel!: Channel;

  @IsOptional()
  @IsIn(REQUEST_TYPES)
  requestType!: RequestType | null;

  @IsOptional()
  @IsString()
  @MaxLength(SUBJECT_MAX_LENGTH)
  subject!: string | null;

  @IsString()
  @Length(1, MESSAGE_MAX_LENGTH)
  message!: string;

  @IsIn(URGENCIES)
  urgency!: Urgency;

  @IsIn(LOCALES)
  locale!: Locale;

  @IsOptional()
  // An array would pass @ValidateNested alone.
  @IsObject()
  @ValidateNested()
  @Type(() => WorkspaceTestingConsentPayload)
  workspaceTesting!: WorkspaceTestingConsentPayload | null;

  // @ValidateNested alone lets a missing value or an array through.
  @IsObject()
  @ValidateNested()
  @Type(() => TicketRequesterPayload)
  requester!: TicketRequesterPayload;

  @IsISO8601()
  receivedAt!: string;

  /** A follow-up that came after its ticket could no longer be reopened starts this ticket, which names the old one. */
  @IsOptional()
  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  relatedTicketId?: string | null;
}

export class AlertRefPayload {
  @IsIn(ALERT_TARGETS)
  target!: AlertTarget;
}

/** The routing decision: payload of `support.tickets.routed.v1` and the preview response. */
export class RoutingDecisionPayload {
  @IsString()
  @IsNotEmpty()
  ticketId!: string;

  @IsIn(QUEUES)
  queue!: Queue;

  @IsOptional()
  @IsString()
  assignee!: string | null;

  @IsIn(PRIORITIES)
  priority!: Priority;

  @IsISO8601()
  slaDueAt!: string;

  @IsString()
  ruleId!: string;

  @IsString()
  ruleSetVersion!: string;

  @IsString()
  reason!: string;

  @IsOptional()
  // An array would pass @ValidateNested alone.
  @IsObject()
  @ValidateNested()
  @Type(() => AlertRefPayload)
  alert!: AlertRefPayload | null;
}

export class TicketRoutedPayload extends RoutingDecisionPayload {
  @IsString()
  reference!: string;

  @IsIn(CHANNELS)
  channel!: Channel;

  @IsOptional()
  @IsIn(REQUEST_TYPES)
  requestType!: RequestType | null;

  @IsIn(LOCALES)
  locale!: Locale;

  @IsOptional()
  @IsString()
  orgId!: string | null;

  @IsISO8601()
  routedAt!: string;
}

/** `support.queue.psm.v1` and `support.queue.support.v1`: what an agent needs to work the ticket. */
export class QueuedTicketPayload {
  @IsString()
  ticketId!: string;

  @IsString()
  reference!: string;

  @IsIn(QUEUES)
  queue!: Queue;

  @IsOptional()
  @IsString()
  assignee!: string | null;

  @IsIn(PRIORITIES)
  priority!: Priority;

  @IsISO8601()
  slaDueAt!: string;

  @IsString()
  ruleId!: string;

  @IsString()
  reason!: string;

  // @ValidateNested alone lets a missing value or an array through.
  @IsObject()
  @ValidateNested()
  @Type(() => TicketSubmittedPayload)
  ticket!: TicketSubmittedPayload;
}

/** `support.alerts.phone-desk.v1`: an urgent access issue that needs a human now. */
export class PhoneDeskAlertPayload {
  @IsString()
  alertId!: string;

  @IsString()
  ticketId!: string;

  @IsString()
  reference!: string;

  @IsIn(ALERT_TARGETS)
  target!: AlertTarget;

  @IsIn(PRIORITIES)
  priority!: Priority;

  @IsString()
  reason!: string;

  @IsIn(CHANNELS)
  channel!: Channel;

  @IsOptional()
  @IsString()
  orgId!: string | null;

  @IsISO8601()
  raisedAt!: string;

  @IsISO8601()
  slaDueAt!: string;
}
