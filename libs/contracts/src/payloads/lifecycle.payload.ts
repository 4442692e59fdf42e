import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Min } from 'class-validator';
import { ASSIGNMENT_SOURCES, AUDIENCES, LIFECYCLE_EVENTS, NOTIFICATION_OUTCOMES } from '../enums.js';
import type { AssignmentSource, Audience, LifecycleEvent, NotificationOutcome } from '../enums.js';

/** `support.tickets.lifecycle.v1` */
export class TicketLifecyclePayload {
  @IsString()
  ticketId!: string;

  @IsIn(LIFECYCLE_EVENTS)
  event!: LifecycleEvent;

  @IsISO8601()
  at!: string;

  @IsOptional()
  @IsString()
  actor?: string | null;

  @IsOptional()
  @IsString()
  alertId?: string | null;

  @IsOptional()
  @IsString()
  note?: string | null;

  /** `assigned`: the agent the ticket now belongs to. */
  @IsOptional()
  @IsString()
  agentId?: string | null;

  /** `assigned`: the queue's policy, a team lead, or the agent themself. */
  @IsOptional()
  @IsIn(ASSIGNMENT_SOURCES)
  by?: AssignmentSource | null;

  /** Why, in words (an assignment, a reopening by a follow-up...). */
  @IsOptional()
  @IsString()
  reason?: string | null;
}

/** `support.notifications.v1`: one attempt or outcome of one notification. */
export class NotificationPayload {
  @IsString()
  notificationId!: string;

  @IsString()
  ticketId!: string;

  @IsIn(AUDIENCES)
  audience!: Audience;

  @IsString()
  channel!: string;

  @IsIn(NOTIFICATION_OUTCOMES)
  outcome!: NotificationOutcome;

  @IsInt()
  @Min(1)
  attempt!: number;

  @IsISO8601()
  at!: string;

  @IsOptional()
  @IsString()
  error?: string | null;
}

/** `support.psm-assignments.v1` (compacted, keyed by orgId; a null value removes the assignment). */
export class PsmAssignmentPayload {
  @IsString()
  orgId!: string;

  @IsString()
  psmId!: string;

  /** Takes the organisation's chats while the dedicated PSM is away or offline. */
  @IsOptional()
  @IsString()
  backupPsmId?: string | null;
}
