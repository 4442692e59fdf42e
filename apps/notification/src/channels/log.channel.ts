import { Logger } from '@nestjs/common';
import type { Delivery, NotificationChannel } from './notification-channel.js';

/** Development channel: writes what would be sent (ids and audience only, never the text or an address). */
export class LogChannel implements NotificationChannel<{ readonly channel: 'log' }> {
  readonly name = 'log';
  private readonly logger = new Logger('Notifications');

  async deliver(delivery: Delivery): Promise<void> {
    this.logger.log({
      msg: 'notification delivered',
      notificationId: delivery.notificationId,
      ticketId: delivery.ticketId,
      kind: delivery.kind,
      audience: delivery.audience,
      recipient: delivery.recipient,
      locale: delivery.locale,
      attempt: delivery.attempt,
    });
  }
}
