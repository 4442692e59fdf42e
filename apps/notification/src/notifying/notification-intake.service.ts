import { Injectable } from '@nestjs/common';
import type {
  Locale,
  PhoneDeskAlertPayload,
  TicketLifecyclePayload,
  TicketRoutedPayload,
  TicketSubmittedPayload,
} from '#contracts';
import type { KafkaEvent } from '#kafka';
import { AlertRepository } from '../alerts/alert.repository.js';
import type { NewAlert } from '../alerts/alert.repository.js';
import { firstEscalationAt } from '../alerts/escalation-policy.js';
import type { EscalationPolicy } from '../alerts/escalation-policy.js';
import { DeliveryRepository, Urgency } from '../delivery/delivery.repository.js';
import type { NewDelivery } from '../delivery/delivery.repository.js';
import { DeliveryWorker } from '../delivery/delivery.worker.js';
import { NotificationConfig } from '../notification.config.js';
import { ContactRepository } from '../recipients/contact.repository.js';
import { planAlertNotification, planRoutedNotifications } from './notification-planner.js';
import { Clock } from '#platform';

/** Lifecycle events meaning that a person is on the ticket: its alerts need no more escalation. */
const TICKET_TAKEN_UP = new Set(['claimed', 'replied', 'resolved']);

/** What the work an event causes keeps of it: correlation, cause and trace. */
function provenance(event: KafkaEvent): {
  correlationId: string | null;
  causationId: string | null;
  traceparent: string | null;
} {
  return {
    correlationId: event.cloudEvent.correlationId ?? null,
    causationId: event.cloudEvent.id ?? null,
    traceparent: event.cloudEvent.traceparent ?? null,
  };
}

/**
 * Turns consumed events into durable work: deliveries, alerts with their deadline, requester
 * contacts. Nothing is sent from here; once these writes resolve, the offsets may be committed.
 */
@Injectable()
export class NotificationIntake {
  private readonly staffLocale: Locale;
  private readonly escalation: EscalationPolicy;
  private readonly emailsRequesters: boolean;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly alerts: AlertRepository,
    private readonly contacts: ContactRepository,
    private readonly worker: DeliveryWorker,
    private readonly clock: Clock,
    config: NotificationConfig,
  ) {
    this.staffLocale = config.NOTIFY_STAFF_LOCALE;
    this.escalation = { ackTimeoutMs: config.alertAckTimeoutMs, maxEscalations: config.ALERT_MAX_ESCALATIONS };
    this.emailsRequesters = config.recipients.requester.channel === 'email';
  }

  async onRouted(events: readonly KafkaEvent<TicketRoutedPayload>[]): Promise<number> {
    const planned: NewDelivery[] = events.flatMap((event) =>
      planRoutedNotifications(event.value, this.staffLocale).map((notification) => ({
        notification,
        urgency: Urgency.normal,
        ...provenance(event),
      })),
    );
    const added = await this.deliveries.enqueue(planned, this.clock.now());
    if (added.length > 0) this.worker.wake();
    return added.length;
  }

  async onAlerts(events: readonly KafkaEvent<PhoneDeskAlertPayload>[]): Promise<number> {
    const now = this.clock.now();
    const alerts: NewAlert[] = [];
    const planned: NewDelivery[] = [];
    for (const event of events) {
      const alert = event.value;
      const { correlationId, causationId, traceparent } = provenance(event);
      alerts.push({
        alertId: alert.alertId,
        ticketId: alert.ticketId,
        reference: alert.reference,
        target: alert.target,
        priority: alert.priority,
        raisedAt: alert.raisedAt,
        // The desk gets the full timeout from the moment it can be told.
        nextEscalationAt: firstEscalationAt(now, this.escalation),
        correlationId,
        traceparent,
      });
      planned.push({
        notification: planAlertNotification(alert, this.staffLocale),
        urgency: Urgency.alert,
        correlationId,
        causationId,
        traceparent,
      });
    }
    const added = await this.alerts.recordRaised(alerts, planned, now);
    if (added.length > 0) this.worker.wake();
    return added.length;
  }

  /** The requester's address is kept only when requesters are emailed (data minimisation). */
  async onSubmitted(events: readonly KafkaEvent<TicketSubmittedPayload>[]): Promise<void> {
    if (!this.emailsRequesters) return;
    const contacts = events.map((event) => {
      const ticket = event.value;
      return { ticketId: ticket.ticketId, email: ticket.requester.email ?? null, locale: ticket.locale };
    });
    await this.contacts.save(contacts, this.clock.now());
  }

  async onLifecycle(events: readonly KafkaEvent<TicketLifecyclePayload>[]): Promise<void> {
    for (const event of events) {
      const lifecycle = event.value;
      const at = new Date(lifecycle.at);
      const actor = lifecycle.actor ?? `lifecycle:${lifecycle.event}`;
      if (lifecycle.event === 'alert.acknowledged' && lifecycle.alertId) {
        await this.alerts.closeElsewhere(lifecycle.alertId, lifecycle.ticketId, actor, at);
      } else if (TICKET_TAKEN_UP.has(lifecycle.event)) {
        await this.alerts.closeElsewhere(null, lifecycle.ticketId, actor, at);
      }
    }
  }
}
