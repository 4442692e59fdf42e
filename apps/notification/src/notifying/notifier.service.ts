import { Inject, Injectable } from '@nestjs/common';
import { PhoneDeskAlertPayload, TicketRoutedPayload, Topics, deterministicUuid, validatePayload } from '#contracts';
import type { NotificationPayload } from '#contracts';
import { EventPublisher, KafkaErrorCode, NonRetriableEventError } from '#kafka';
import type { KafkaEvent } from '#kafka';
import { NOTIFICATION_CHANNEL } from '../channels/notification-channel.js';
import type { NotificationChannel, OutgoingNotification } from '../channels/notification-channel.js';
import { planAlertNotification, planRoutedNotifications } from './notification-planner.js';

@Injectable()
export class NotifierService {
  constructor(
    @Inject(NOTIFICATION_CHANNEL) private readonly channel: NotificationChannel,
    private readonly publisher: EventPublisher,
  ) {}

  async onRouted(event: KafkaEvent): Promise<void> {
    const validation = validatePayload(TicketRoutedPayload, event.value);
    if (!validation.ok)
      throw new NonRetriableEventError(KafkaErrorCode.invalidEvent, `invalid routed event: ${validation.errors.map((error) => error.field).join(', ')}`);
    for (const notification of planRoutedNotifications(validation.value)) await this.send(notification);
  }

  async onAlert(event: KafkaEvent): Promise<void> {
    const validation = validatePayload(PhoneDeskAlertPayload, event.value);
    if (!validation.ok)
      throw new NonRetriableEventError(KafkaErrorCode.invalidEvent, `invalid alert event: ${validation.errors.map((error) => error.field).join(', ')}`);
    await this.send(planAlertNotification(validation.value));
  }

  private async send(notification: OutgoingNotification): Promise<void> {
    await this.channel.deliver(notification);
    const outcome: NotificationPayload = {
      notificationId: notification.notificationId,
      ticketId: notification.ticketId,
      audience: notification.audience,
      channel: this.channel.name,
      outcome: 'sent',
      attempt: 1,
      at: new Date().toISOString(),
      error: null,
    };
    await this.publisher.publish(Topics.notifications, {
      key: notification.ticketId,
      id: deterministicUuid('notification.outcome', notification.notificationId, 'sent', '1'),
      payload: outcome,
    });
  }
}
