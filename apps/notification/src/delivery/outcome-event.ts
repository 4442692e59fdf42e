import { Topics, deterministicUuid } from '#contracts';
import type { NotificationOutcome } from '#contracts';
import type { ClaimedDelivery } from './delivery.repository.js';
import type { OutboxEvent } from '#platform';

/** The `support.notifications.v1` event of one attempt; its id is stable if the attempt is reported twice. */
export function outcomeEvent(
  delivery: ClaimedDelivery,
  outcome: NotificationOutcome,
  channel: string,
  error: string | null,
  at: Date,
): OutboxEvent {
  return {
    topic: Topics.notifications,
    id: deterministicUuid('notification.outcome', delivery.notificationId, outcome, String(delivery.attempt)),
    key: delivery.ticketId,
    payload: {
      notificationId: delivery.notificationId,
      ticketId: delivery.ticketId,
      audience: delivery.audience,
      channel,
      outcome,
      attempt: delivery.attempt,
      at: at.toISOString(),
      error,
    },
    time: at.toISOString(),
    correlationId: delivery.correlationId,
    causationId: delivery.causationId,
    traceparent: delivery.traceparent,
  };
}
