import { Injectable } from '@nestjs/common';
import type {
  Locale,
  PhoneDeskAlertPayload,
  TicketLifecyclePayload,
  TicketMessagePayload,
  TicketRoutedPayload,
  TicketSubmittedPayload,
} from '#contracts';
import type { KafkaEvent } from '#kafka';
import { planMessageNotification } from '../conversations/conversation-planner.js';
import { TicketRepository } from '../conversations/ticket.repository.js';
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

/**
 * A message of a ticket whose submitted or routed event has not been consumed yet (three topics,
 * no order between them): the record is retried, and the ticket is known by then.
 */
export class TicketNotKnownYetError extends Error {
  readonly code = 'TICKET_NOT_KNOWN_YET';
  readonly retriable = true;

  constructor(ticketId: string) {
    super(`ticket ${ticketId} is not known yet: its message waits for it`);
    this.name = 'TicketNotKnownYetError';
  }
}

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

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly alerts: AlertRepository,
    private readonly contacts: ContactRepository,
    private readonly tickets: TicketRepository,
    private readonly worker: DeliveryWorker,
    private readonly clock: Clock,
    config: NotificationConfig,
  ) {
    this.staffLocale = config.NOTIFY_STAFF_LOCALE;
    this.escalation = { ackTimeoutMs: config.alertAckTimeoutMs, maxEscalations: config.ALERT_MAX_ESCALATIONS };
  }

  async onRouted(events: readonly KafkaEvent<TicketRoutedPayload>[]): Promise<number> {
    await this.tickets.recordRouted(
      events.map(({ value: routed }) => ({
        ticketId: routed.ticketId,
        reference: routed.reference,
        channel: routed.channel,
        locale: routed.locale,
        queue: routed.queue,
        assignee: routed.assignee,
      })),
      this.clock.now(),
    );
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
        reason: alert.reason,
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

  /**
   * The requester's contact (to reach them for the whole conversation, and for the phone desk to
   * call back) and the ticket's facts. The contact is erased after the ticket's reopen window.
   */
  async onSubmitted(events: readonly KafkaEvent<TicketSubmittedPayload>[]): Promise<void> {
    const now = this.clock.now();
    const tickets = events.map((event) => event.value);
    await this.tickets.recordSubmitted(
      tickets.map((ticket) => ({
        ticketId: ticket.ticketId,
        reference: ticket.reference,
        channel: ticket.channel,
        locale: ticket.locale,
      })),
      now,
    );
    await this.contacts.save(
      tickets.map((ticket) => ({
        ticketId: ticket.ticketId,
        email: ticket.requester.email ?? null,
        name: ticket.requester.name ?? null,
        phone: ticket.requester.phone ?? null,
        message: ticket.message,
        locale: ticket.locale,
      })),
      now,
    );
  }

  /**
   * A ticket's conversation: public replies to the requester, follow-ups to the assignee or the
   * queue's team; internal notes to no one. A follow-up also reopens a resolved ticket (its
   * requester's contact is kept again).
   */
  async onMessages(events: readonly KafkaEvent<TicketMessagePayload>[]): Promise<number> {
    const now = this.clock.now();
    const tickets = await this.tickets.find([...new Set(events.map((event) => event.value.ticketId))]);
    const planned: NewDelivery[] = [];
    const followUps: { ticketId: string; at: Date }[] = [];
    for (const event of events) {
      const message = event.value;
      const plan = planMessageNotification(message, tickets.get(message.ticketId), this.staffLocale);
      if (plan.kind === 'internal') continue;
      if (plan.kind === 'ticket-unknown') throw new TicketNotKnownYetError(message.ticketId);
      if (message.direction === 'inbound') followUps.push({ ticketId: message.ticketId, at: new Date(message.sentAt) });
      planned.push({ notification: plan.notification, urgency: Urgency.normal, ...provenance(event) });
    }
    await this.tickets.markReopened(followUps, now);
    const added = await this.deliveries.enqueue(planned, now);
    if (added.length > 0) this.worker.wake();
    return added.length;
  }

  async onLifecycle(events: readonly KafkaEvent<TicketLifecyclePayload>[]): Promise<void> {
    for (const event of events) {
      const lifecycle = event.value;
      const at = new Date(lifecycle.at);
      await this.recordTicketChange(lifecycle, at);
      const actor = lifecycle.actor ?? `lifecycle:${lifecycle.event}`;
      if (lifecycle.event === 'alert.acknowledged' && lifecycle.alertId) {
        await this.alerts.closeElsewhere(lifecycle.alertId, lifecycle.ticketId, actor, at);
      } else if (TICKET_TAKEN_UP.has(lifecycle.event)) {
        await this.alerts.closeElsewhere(null, lifecycle.ticketId, actor, at);
      }
    }
  }

  /** The latest assignee, and whether (since when) the ticket is resolved. */
  private async recordTicketChange(lifecycle: TicketLifecyclePayload, at: Date): Promise<void> {
    const now = this.clock.now();
    // An `assigned` event without an agent gives the ticket back to its queue.
    if (lifecycle.event === 'assigned')
      await this.tickets.assign(lifecycle.ticketId, lifecycle.agentId ?? null, at, now);
    else if (lifecycle.event === 'resolved') await this.tickets.markResolved(lifecycle.ticketId, at, now);
    else if (lifecycle.event === 'reopened')
      await this.tickets.markReopened([{ ticketId: lifecycle.ticketId, at }], now);
  }
}
