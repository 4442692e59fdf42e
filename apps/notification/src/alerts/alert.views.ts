import { ApiProperty } from '@nestjs/swagger';
import { ALERT_STATUSES, ALERT_TARGETS, PRIORITIES } from '#contracts';
import type { AlertStatus, AlertTarget, Priority } from '#contracts';
import type { AlertRecord } from './alert-record.js';

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

export function toAlertView(alert: AlertRecord): AlertView {
  return {
    alertId: alert.alertId,
    ticketId: alert.ticketId,
    reference: alert.reference,
    target: alert.target,
    priority: alert.priority,
    status: alert.status,
    escalationLevel: alert.escalationLevel,
    raisedAt: alert.raisedAt.toISOString(),
    nextEscalationAt: alert.nextEscalationAt?.toISOString() ?? null,
    acknowledgedBy: alert.acknowledgedBy,
    acknowledgedAt: alert.acknowledgedAt?.toISOString() ?? null,
  };
}
