import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { IntakeConfig } from '../intake.config.js';
import { IdempotencyRepository } from './idempotency.repository.js';

/** Forgets idempotency keys after their retention time, every ten minutes. */
@Injectable()
export class IdempotencyPurger implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyPurger.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly config: IntakeConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.purge(), 10 * 60_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async purge(): Promise<void> {
    try {
      const purged = await this.repository.purgeOlderThan(this.config.INTAKE_IDEMPOTENCY_TTL_HOURS);
      if (purged > 0) this.logger.log(`${purged} expired idempotency key(s) forgotten`);
    } catch (error) {
      this.logger.warn(`idempotency purge failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
