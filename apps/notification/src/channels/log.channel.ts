import { Injectable, Logger } from '@nestjs/common';
import type { NotificationChannel, OutgoingNotification } from './notification-channel.js';

/** Development channel: writes what would be sent (ids and audience only, no message text). */
@Injectable()
export class LogChannel implements NotificationChannel {
  readonly name = 'log';
  private readonly logger = new Logger('Notifications');

  async deliver(notification: OutgoingNotification): Promise<void> {
    this.logger.log({
      msg: 'notification delivered',
      notificationId: notification.notificationId,
      ticketId: notification.ticketId,
      audience: notification.audience,
      recipient: notification.recipient,
      locale: notification.locale,
    });
    return Promise.resolve();
  }
}
