import { Logger } from '@nestjs/common';
import type { Delivery, NotificationChannel } from './notification-channel.js';

export interface LogChannelOptions {
  /**
   * Development only: the line also shows the subject and the text that would be sent, so a
   * developer sees a reply or a follow-up notice without a mail server. Never in production: the
   * text of a reply is the conversation, personal data that logs must not hold.
   */
  readonly showText: boolean;
}

/** Development channel: writes what would be sent (ids and audience; the text in development only; never an address). */
export class LogChannel implements NotificationChannel<{ readonly channel: 'log' }> {
  readonly name = 'log';

  constructor(
    private readonly options: LogChannelOptions = { showText: false },
    private readonly logger: Pick<Logger, 'log'> = new Logger('Notifications'),
  ) {}

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
      ...(this.options.showText ? { subject: delivery.subject, text: delivery.body } : {}),
    });
  }
}
