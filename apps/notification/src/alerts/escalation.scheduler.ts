import { Injectable, Logger } from '@nestjs/common';
import type { Locale } from '#contracts';
import { BackgroundLoop, Clock, OutboxRelay } from '#platform';
import { DeliveryWorker } from '../delivery/delivery.worker.js';
import { Urgency } from '../delivery/delivery.repository.js';
import { NotificationConfig } from '../notification.config.js';
import { planEscalationNotification } from '../notifying/notification-planner.js';
import { escalatedEvent } from './alert-events.js';
import type { AlertRecord } from './alert-record.js';
import { AlertRepository } from './alert.repository.js';
import type { PlannedEscalation } from './alert.repository.js';
import { escalationStep } from './escalation-policy.js';
import type { EscalationPolicy } from './escalation-policy.js';

const ESCALATION_BATCH = 100;

/**
 * Escalates unacknowledged alerts to on-call when their deadline (stored with the alert) passes,
 * up to ALERT_MAX_ESCALATIONS times. Every instance runs it; row locks make each step happen once.
 */
@Injectable()
export class EscalationScheduler {
  private readonly logger = new Logger(EscalationScheduler.name);
  private readonly loop: BackgroundLoop;
  readonly policy: EscalationPolicy;
  private readonly staffLocale: Locale;

  constructor(
    private readonly alerts: AlertRepository,
    private readonly clock: Clock,
    private readonly worker: DeliveryWorker,
    private readonly relay: OutboxRelay,
    config: NotificationConfig,
  ) {
    this.policy = { ackTimeoutMs: config.alertAckTimeoutMs, maxEscalations: config.ALERT_MAX_ESCALATIONS };
    this.staffLocale = config.NOTIFY_STAFF_LOCALE;
    this.loop = new BackgroundLoop(EscalationScheduler.name, () => this.escalateDue(), config.ALERT_SCAN_INTERVAL_MS);
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** True when a full batch was escalated (more may be due). */
  async escalateDue(): Promise<boolean> {
    const now = this.clock.now();
    const escalated = await this.alerts.escalateDue(now, ESCALATION_BATCH, (alert) => this.plan(alert, now));
    if (escalated.length === 0) return false;
    for (const alert of escalated) {
      this.logger.warn({
        msg: 'alert escalated to on-call',
        alertId: alert.alertId,
        ticketId: alert.ticketId,
        level: alert.escalationLevel,
        maxLevel: this.policy.maxEscalations,
      });
    }
    this.worker.wake();
    this.relay.wake();
    return escalated.length === ESCALATION_BATCH;
  }

  private plan(alert: AlertRecord, now: Date): PlannedEscalation {
    const step = escalationStep(alert.escalationLevel, now, this.policy);
    const notification = planEscalationNotification(
      alert.ticketId,
      {
        alertId: alert.alertId,
        reference: alert.reference,
        priority: alert.priority,
        raisedAt: alert.raisedAt.toISOString(),
        level: step.level,
        maxLevel: this.policy.maxEscalations,
      },
      this.staffLocale,
    );
    return {
      level: step.level,
      nextEscalationAt: step.nextEscalationAt,
      delivery: {
        notification,
        urgency: Urgency.alert,
        correlationId: alert.correlationId,
        causationId: null,
        traceparent: alert.traceparent,
      },
      event: escalatedEvent(alert, step.level, this.policy.maxEscalations, now),
    };
  }
}
