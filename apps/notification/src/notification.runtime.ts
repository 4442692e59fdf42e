import { Inject, Injectable } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { EscalationScheduler } from './alerts/escalation.scheduler.js';
import { ChannelRegistry } from './channels/channel-registry.js';
import { DeliveryWorker } from './delivery/delivery.worker.js';
import { CHANNEL_REGISTRY } from './delivery/notification-sender.js';
import { Housekeeping } from './housekeeping.js';
import { OutboxRelay } from '#platform';

/**
 * Starts the background loops once the application is up, and stops them in order on shutdown:
 * no new escalations or attempts, the attempts in flight settled, then their events relayed.
 */
@Injectable()
export class NotificationRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly worker: DeliveryWorker,
    private readonly scheduler: EscalationScheduler,
    private readonly relay: OutboxRelay,
    private readonly housekeeping: Housekeeping,
    @Inject(CHANNEL_REGISTRY) private readonly channels: ChannelRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.relay.start();
    this.worker.start();
    this.scheduler.start();
    this.housekeeping.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.housekeeping.stop();
    await this.scheduler.stop();
    await this.worker.stop();
    await this.relay.stop();
    this.channels.close();
  }
}
