import { ApiProperty } from '@nestjs/swagger';
import { ALERT_STATUSES, ALERT_TARGETS, PRIORITIES } from '#contracts';
import type { AlertStatus, AlertTarget, Priority } from '#contracts';
import type { AlertRecord } from './alert-record.js';
import type { AlertContact } from '../recipients/contact.repository.js';

export class AlertRequesterView {
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'E.164, to call back', example: '+33612345678' })
  phone!: string | null;
}

export class AlertView {
  @ApiProperty() alertId!: string;
  @ApiProperty() ticketId!: string;
  @ApiProperty({ example: 'SR-7K4Q-M2XD' }) reference!: string;
  @ApiProperty({
    enum: ALERT_TARGETS,
    description: 'who was alerted first: the phone desk in desk hours, on-call outside them',
  })
  target!: AlertTarget;
  @ApiProperty({ enum: PRIORITIES }) priority!: Priority;
  @ApiProperty({ nullable: true, type: String, description: "routing's reason for the alert" })
  reason!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "the request's text (null once erased or no longer kept)",
  })
  message!: string | null;
  @ApiProperty({
    type: AlertRequesterView,
    nullable: true,
    description: 'whom to call back (null once the requester is erased, or before their ticket is seen)',
  })
  requester!: AlertRequesterView | null;
  @ApiProperty({ enum: ALERT_STATUSES }) status!: AlertStatus;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'escalations to on-call so far' }) escalationLevel!: number;
  @ApiProperty({ format: 'date-time' }) raisedAt!: string;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'next escalation if still unacknowledged',
  })
  nextEscalationAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'user id of the operator who acknowledged' })
  acknowledgedBy!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) acknowledgedAt!: string | null;
}

export class AlertListView {
  @ApiProperty({ type: [AlertView] }) items!: AlertView[];
}

export function toAlertView(alert: AlertRecord, contact: AlertContact | undefined): AlertView {
  return {
    alertId: alert.alertId,
    ticketId: alert.ticketId,
    reference: alert.reference,
    target: alert.target,
    priority: alert.priority,
    reason: alert.reason,
    message: contact?.message ?? null,
    requester: contact ? { ...contact.requester } : null,
    status: alert.status,
    escalationLevel: alert.escalationLevel,
    raisedAt: alert.raisedAt.toISOString(),
    nextEscalationAt: alert.nextEscalationAt?.toISOString() ?? null,
    acknowledgedBy: alert.acknowledgedBy,
    acknowledgedAt: alert.acknowledgedAt?.toISOString() ?? null,
  };
}
