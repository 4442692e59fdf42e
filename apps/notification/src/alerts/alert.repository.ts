import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { AlertStatus, AlertTarget, Priority } from '#contracts';
import { column, OutboxRepository, unnestRows, updateReturning } from '#platform';
import { DeliveryRepository } from '../delivery/delivery.repository.js';
import type { NewDelivery } from '../delivery/delivery.repository.js';
import type { AlertRecord, AlertStatusFilter } from './alert-record.js';
import type { OutboxEvent } from '#platform';

export interface NewAlert {
  readonly alertId: string;
  readonly ticketId: string;
  readonly reference: string;
  readonly target: AlertTarget;
  readonly priority: Priority;
  readonly reason: string;
  readonly raisedAt: string;
  readonly nextEscalationAt: Date | null;
  readonly correlationId: string | null;
  readonly traceparent: string | null;
}

const NEW_ALERT_COLUMNS = [
  column<NewAlert>('alert_id', 'text', (alert) => alert.alertId),
  column<NewAlert>('ticket_id', 'text', (alert) => alert.ticketId),
  column<NewAlert>('reference', 'text', (alert) => alert.reference),
  column<NewAlert>('target', 'text', (alert) => alert.target),
  column<NewAlert>('priority', 'text', (alert) => alert.priority),
  column<NewAlert>('reason', 'text', (alert) => alert.reason),
  column<NewAlert>('raised_at', 'timestamptz', (alert) => alert.raisedAt),
  column<NewAlert>('next_escalation_at', 'timestamptz', (alert) => alert.nextEscalationAt),
  column<NewAlert>('correlation_id', 'text', (alert) => alert.correlationId),
  column<NewAlert>('traceparent', 'text', (alert) => alert.traceparent),
];

interface EscalationStep {
  readonly alert: AlertRecord;
  readonly plan: PlannedEscalation;
}

const ESCALATION_COLUMNS = [
  column<EscalationStep>('alert_id', 'text', (step) => step.alert.alertId),
  column<EscalationStep>('level', 'int', (step) => step.plan.level),
  column<EscalationStep>('next_escalation_at', 'timestamptz', (step) => step.plan.nextEscalationAt),
];

/** What one escalation writes: the alert's new level and deadline, the on-call notification, the event. */
export interface PlannedEscalation {
  readonly level: number;
  readonly nextEscalationAt: Date | null;
  readonly delivery: NewDelivery;
  readonly event: OutboxEvent;
}

export type AcknowledgeOutcome =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'already-acknowledged'; readonly alert: AlertRecord }
  | { readonly kind: 'acknowledged'; readonly alert: AlertRecord };

interface AlertRow {
  alert_id: string;
  ticket_id: string;
  reference: string;
  target: AlertTarget;
  priority: Priority;
  reason: string | null;
  status: AlertStatus;
  escalation_level: number;
  next_escalation_at: Date | null;
  raised_at: Date;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  correlation_id: string | null;
  traceparent: string | null;
}

const COLUMNS = `alert_id, ticket_id, reference, target, priority, reason, status, escalation_level, next_escalation_at, raised_at,
  acknowledged_by, acknowledged_at, correlation_id, traceparent`;

const STATUS_CONDITION: Record<AlertStatusFilter, string> = {
  open: `status <> 'acknowledged'`,
  acknowledged: `status = 'acknowledged'`,
  raised: `status = 'raised'`,
  escalated: `status = 'escalated'`,
  all: 'true',
};

/**
 * Owns the alert store. The escalation deadline lives in each row, so timers survive restarts;
 * every change that must be announced writes its outbox event in the same transaction.
 */
@Injectable()
export class AlertRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: DeliveryRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  /** Records new alerts (a redelivered alert keeps its first deadline) and their notifications. */
  async recordRaised(alerts: readonly NewAlert[], deliveries: readonly NewDelivery[], now: Date): Promise<string[]> {
    if (alerts.length === 0) return [];
    return this.dataSource.transaction(async (manager) => {
      const rows = unnestRows('a', NEW_ALERT_COLUMNS, alerts);
      const at = `$${rows.next}::timestamptz`;
      await manager.query(
        `INSERT INTO notification.alerts (${rows.names}, status, recorded_at, updated_at)
         SELECT ${rows.names}, 'raised', ${at}, ${at} FROM ${rows.source}
         ON CONFLICT (alert_id) DO NOTHING`,
        [...rows.parameters, now],
      );
      return this.deliveries.enqueue(deliveries, now, manager);
    });
  }

  async list(status: AlertStatusFilter, limit: number): Promise<AlertRecord[]> {
    const rows = await this.dataSource.query<AlertRow[]>(
      `SELECT ${COLUMNS} FROM notification.alerts WHERE ${STATUS_CONDITION[status]} ORDER BY raised_at, alert_id LIMIT $1`,
      [limit],
    );
    return rows.map(toRecord);
  }

  async find(alertId: string): Promise<AlertRecord | undefined> {
    const rows = await this.dataSource.query<AlertRow[]>(
      `SELECT ${COLUMNS} FROM notification.alerts WHERE alert_id = $1`,
      [alertId],
    );
    return rows[0] && toRecord(rows[0]);
  }

  /** Acknowledges under the row lock, so an escalation in progress either completes first or never starts. */
  async acknowledge(
    alertId: string,
    operatorId: string,
    now: Date,
    announce: (alert: AlertRecord) => OutboxEvent,
  ): Promise<AcknowledgeOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query<AlertRow[]>(
        `SELECT ${COLUMNS} FROM notification.alerts WHERE alert_id = $1 FOR UPDATE`,
        [alertId],
      );
      if (!row) return { kind: 'not-found' };
      if (row.status === 'acknowledged') return { kind: 'already-acknowledged', alert: toRecord(row) };
      const [updated] = await updateReturning<AlertRow>(
        manager,
        `UPDATE notification.alerts
            SET status = 'acknowledged', acknowledged_by = $2, acknowledged_at = $3, next_escalation_at = NULL, updated_at = $3
          WHERE alert_id = $1
         RETURNING ${COLUMNS}`,
        [alertId, operatorId, now],
      );
      const alert = toRecord(updated ?? row);
      await this.outbox.add(manager, [announce(alert)]);
      return { kind: 'acknowledged', alert };
    });
  }

  /**
   * Stops the escalation of alerts acknowledged elsewhere (an `alert.acknowledged` event from
   * another app, or the ticket claimed, replied to or resolved by an agent).
   */
  async closeElsewhere(alertId: string | null, ticketId: string, actor: string, at: Date): Promise<number> {
    const rows = await updateReturning<{ alert_id: string }>(
      this.dataSource,
      `UPDATE notification.alerts
          SET status = 'acknowledged', acknowledged_by = $3, acknowledged_at = $4, next_escalation_at = NULL, updated_at = $4
        WHERE status <> 'acknowledged' AND ($1::text IS NULL AND ticket_id = $2 OR alert_id = $1)
       RETURNING alert_id`,
      [alertId, ticketId, actor, at],
    );
    return rows.length;
  }

  /**
   * Escalates the alerts whose deadline has passed. Each is locked (rows another instance holds
   * are skipped) and moved to its next level and deadline in the same transaction that enqueues
   * the on-call notification and the event: two instances never escalate the same step twice.
   */
  async escalateDue(now: Date, limit: number, plan: (alert: AlertRecord) => PlannedEscalation): Promise<AlertRecord[]> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<AlertRow[]>(
        `SELECT ${COLUMNS} FROM notification.alerts
          WHERE status <> 'acknowledged' AND next_escalation_at <= $1
          ORDER BY next_escalation_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      if (rows.length === 0) return [];
      const alerts = rows.map(toRecord);
      const plans = alerts.map(plan);
      await this.applyEscalations(manager, alerts, plans, now);
      await this.deliveries.enqueue(
        plans.map((step) => step.delivery),
        now,
        manager,
      );
      await this.outbox.add(
        manager,
        plans.map((step) => step.event),
      );
      return alerts.map((alert, index) => ({
        ...alert,
        status: 'escalated' as const,
        escalationLevel: plans[index]?.level ?? alert.escalationLevel,
        nextEscalationAt: plans[index]?.nextEscalationAt ?? null,
      }));
    });
  }

  private async applyEscalations(
    manager: EntityManager,
    alerts: readonly AlertRecord[],
    plans: readonly PlannedEscalation[],
    now: Date,
  ): Promise<void> {
    const steps = alerts.map((alert, index) => ({ alert, plan: plans[index]! }));
    const rows = unnestRows('s', ESCALATION_COLUMNS, steps, { first: 2 });
    await manager.query(
      `UPDATE notification.alerts a
          SET status = 'escalated', escalation_level = s.level, next_escalation_at = s.next_escalation_at, updated_at = $1
         FROM ${rows.source}
        WHERE a.alert_id = s.alert_id`,
      [now, ...rows.parameters],
    );
  }
}

function toRecord(row: AlertRow): AlertRecord {
  return {
    alertId: row.alert_id,
    ticketId: row.ticket_id,
    reference: row.reference,
    target: row.target,
    priority: row.priority,
    reason: row.reason,
    status: row.status,
    escalationLevel: row.escalation_level,
    nextEscalationAt: row.next_escalation_at,
    raisedAt: row.raised_at,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: row.acknowledged_at,
    correlationId: row.correlation_id,
    traceparent: row.traceparent,
  };
}
