import { Injectable } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { BackgroundLoop, Clock, OutboxRelay } from '#platform';
import { Assigner } from './assignment/assigner.js';
import { DeskConfig } from './desk.config.js';
import { DeskTicketRepository } from './tickets/desk-ticket.repository.js';

const DAY = 86_400_000;
const PURGE_BATCH = 5_000;
const PURGE_INTERVAL_MS = 3_600_000;

/** The outbox relay and housekeeping (old stream rows, applied event ids, long-resolved tickets). */
@Injectable()
export class DeskRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly housekeeping: BackgroundLoop;

  constructor(
    private readonly relay: OutboxRelay,
    private readonly assigner: Assigner,
    tickets: DeskTicketRepository,
    config: DeskConfig,
    clock: Clock,
  ) {
    this.housekeeping = new BackgroundLoop(
      'DeskHousekeeping',
      async () => {
        const now = clock.now().getTime();
        const purged = await tickets.purge(
          new Date(now - config.DESK_STREAM_RETENTION_DAYS * DAY),
          new Date(now - config.DESK_RESOLVED_RETENTION_DAYS * DAY),
          PURGE_BATCH,
        );
        return purged >= PURGE_BATCH;
      },
      PURGE_INTERVAL_MS,
    );
  }

  onApplicationBootstrap(): void {
    this.relay.start();
    this.assigner.start();
    this.housekeeping.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.housekeeping.stop();
    await this.assigner.stop();
    await this.relay.stop();
  }
}
