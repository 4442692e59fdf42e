import type { AlertStatus, AlertTarget, Priority } from '#contracts';

export interface AlertRecord {
  readonly alertId: string;
  readonly ticketId: string;
  readonly reference: string;
  readonly target: AlertTarget;
  readonly priority: Priority;
  /** Why routing raised it (null for alerts recorded before the reason was kept). */
  readonly reason: string | null;
  readonly status: AlertStatus;
  readonly escalationLevel: number;
  readonly nextEscalationAt: Date | null;
  readonly raisedAt: Date;
  readonly acknowledgedBy: string | null;
  readonly acknowledgedAt: Date | null;
  readonly correlationId: string | null;
  /** W3C traceparent of the alert event: escalations and acknowledgements continue its trace. */
  readonly traceparent: string | null;
}

export const ALERT_STATUS_FILTERS = ['open', 'acknowledged', 'raised', 'escalated', 'all'] as const;
export type AlertStatusFilter = (typeof ALERT_STATUS_FILTERS)[number];
