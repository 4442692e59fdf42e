import { Topics, deterministicUuid } from '#contracts';
import type { AlertRecord } from './alert-record.js';
import type { OutboxEvent } from '#platform';

/** `alert.acknowledged` on the lifecycle topic; one per alert, whoever acknowledges it and however often. */
export function acknowledgedEvent(alert: AlertRecord, operatorId: string, at: Date): OutboxEvent {
  return {
    topic: Topics.ticketsLifecycle,
    id: deterministicUuid('alert.acknowledged', alert.alertId),
    key: alert.ticketId,
    payload: {
      ticketId: alert.ticketId,
      event: 'alert.acknowledged',
      at: at.toISOString(),
      actor: operatorId,
      alertId: alert.alertId,
      note: null,
    },
    time: at.toISOString(),
    correlationId: alert.correlationId,
    causationId: null,
    traceparent: alert.traceparent,
  };
}

/** `alert.escalated`, one per alert and level: two instances escalating the same step publish one event. */
export function escalatedEvent(alert: AlertRecord, level: number, maxLevel: number, at: Date): OutboxEvent {
  return {
    topic: Topics.ticketsLifecycle,
    id: deterministicUuid('alert.escalated', alert.alertId, String(level)),
    key: alert.ticketId,
    payload: {
      ticketId: alert.ticketId,
      event: 'alert.escalated',
      at: at.toISOString(),
      actor: null,
      alertId: alert.alertId,
      note: `escalation ${level}/${maxLevel} to on-call: not acknowledged in time`,
    },
    time: at.toISOString(),
    correlationId: alert.correlationId,
    causationId: null,
    traceparent: alert.traceparent,
  };
}
