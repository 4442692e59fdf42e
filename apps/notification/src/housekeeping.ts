import { Injectable, Logger } from '@nestjs/common';
import { BackgroundLoop, Clock } from '#platform';
import { DeliveryRepository } from './delivery/delivery.repository.js';
import { NotificationConfig } from './notification.config.js';
import { ContactRepository } from './recipients/contact.repository.js';
import { TicketRepository } from './conversations/ticket.repository.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The request's text is for the phone desk's call back: a day, unless an alert is still open. */
const REQUEST_TEXT_RETENTION_MS = DAY;
const DELETE_BATCH = 5_000;

/** Keeps the notification schema small and free of personal data nobody needs any more. */
@Injectable()
export class Housekeeping {
  private readonly logger = new Logger(Housekeeping.name);
  private readonly loop: BackgroundLoop;
  private readonly deliveryRetentionMs: number;
  private readonly reopenWindowMs: number;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly contacts: ContactRepository,
    private readonly tickets: TicketRepository,
    private readonly clock: Clock,
    config: NotificationConfig,
  ) {
    this.deliveryRetentionMs = config.NOTIFY_RETENTION_DAYS * DAY;
    this.reopenWindowMs = config.REOPEN_WINDOW_DAYS * DAY;
    this.loop = new BackgroundLoop(Housekeeping.name, () => this.sweep(), HOUR);
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** True when a full batch of deliveries went (more may be left). */
  async sweep(): Promise<boolean> {
    const now = this.clock.now();
    // A resolved ticket's requester may still write within the reopen window, and be answered.
    const resolvedBefore = new Date(now.getTime() - this.reopenWindowMs);
    const erased = await this.contacts.eraseResolvedBefore(resolvedBefore, now);
    await this.contacts.forgetMessagesBefore(new Date(now.getTime() - REQUEST_TEXT_RETENTION_MS));
    // Its facts and mail thread outlive the contact by the deliveries' retention (late replies are then skipped, not lost).
    await this.tickets.deleteResolvedBefore(new Date(resolvedBefore.getTime() - this.deliveryRetentionMs));
    const deleted = await this.deliveries.deleteSettledBefore(
      new Date(now.getTime() - this.deliveryRetentionMs),
      DELETE_BATCH,
    );
    if (erased + deleted > 0)
      this.logger.log({ msg: 'housekeeping', contactsErased: erased, deliveriesDeleted: deleted });
    return deleted === DELETE_BATCH;
  }
}
