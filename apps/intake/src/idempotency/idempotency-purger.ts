import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { BackgroundLoop } from '#platform';
import { IntakeConfig } from '../intake.config.js';
import { IdempotencyRepository, PURGE_BATCH } from './idempotency.repository.js';

const PURGE_INTERVAL_MS = 10 * 60_000;

/**
 * Every ten minutes, forgets idempotency keys past their tombstone period and upstream request ids
 * past the duplicate check, in bounded batches.
 */
@Injectable()
export class IdempotencyPurger implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyPurger.name);
  private readonly loop = new BackgroundLoop(IdempotencyPurger.name, () => this.purgeThenWait(), PURGE_INTERVAL_MS);

  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly config: IntakeConfig,
  ) {}

  onModuleInit(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  private async purgeThenWait(): Promise<boolean> {
    await this.purge();
    return false;
  }

  /** One pass; failures are the loop's to log and retry. */
  async purge(): Promise<{ keys: number; requestIds: number }> {
    const keepHours = this.config.INTAKE_IDEMPOTENCY_TTL_HOURS + this.config.INTAKE_IDEMPOTENCY_TOMBSTONE_DAYS * 24;
    const keys = await drain(() => this.repository.purgeKeysOlderThan(keepHours));
    const requestIds = await drain(() =>
      this.repository.purgePublishedOlderThan(this.config.INTAKE_UPSTREAM_DEDUP_DAYS),
    );
    if (keys + requestIds > 0)
      this.logger.log(`forgotten: ${keys} idempotency key(s), ${requestIds} upstream request id(s)`);
    return { keys, requestIds };
  }
}

/** Runs a batched delete until a batch comes back short; returns the total. */
async function drain(batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const count = await batch();
    total += count;
    if (count < PURGE_BATCH) return total;
  }
}
