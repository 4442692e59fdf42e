import { Injectable, Logger } from '@nestjs/common';
import { BackgroundLoop, Clock } from '#platform';
import { DeliveryRepository } from './delivery/delivery.repository.js';
import { NotificationConfig } from './notification.config.js';
import { ContactRepository } from './recipients/contact.repository.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A requester's address is needed for minutes (the acknowledgement and its retries); a day is ample. */
const CONTACT_RETENTION_MS = DAY;
const DELETE_BATCH = 5_000;

/** Keeps the notification schema small and free of personal data nobody needs any more. */
@Injectable()
export class Housekeeping {
  private readonly logger = new Logger(Housekeeping.name);
  private readonly loop: BackgroundLoop;
  private readonly deliveryRetentionMs: number;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly contacts: ContactRepository,
    private readonly clock: Clock,
    config: NotificationConfig,
  ) {
    this.deliveryRetentionMs = config.NOTIFY_RETENTION_DAYS * DAY;
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
    const erased = await this.contacts.eraseRecordedBefore(new Date(now.getTime() - CONTACT_RETENTION_MS), now);
    const deleted = await this.deliveries.deleteSettledBefore(
      new Date(now.getTime() - this.deliveryRetentionMs),
      DELETE_BATCH,
    );
    if (erased + deleted > 0)
      this.logger.log({ msg: 'housekeeping', contactsErased: erased, deliveriesDeleted: deleted });
    return deleted === DELETE_BATCH;
  }
}
