import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BackgroundLoop } from '#platform';
import { unattributedSubject } from '../audit/event-sealer.js';
import { HistoryConfig } from '../history.config.js';
import { lockChainHead } from '../recording/history.repository.js';
import { applyErasure } from './erasure-ledger.js';
import { SubjectVault } from './subject-vault.js';

const DAY_MS = 86_400_000;
const SWEEP_INTERVAL_MS = 6 * 3_600_000;
/** Days before the cutoff looked at on each sweep: enough to catch up after a long stop. */
const LOOKBACK_DAYS = 400;

/**
 * Personal data that names nobody (rejected records without a requester) is kept under one key per
 * day; keys of days older than HISTORY_UNATTRIBUTED_RETENTION_DAYS are destroyed, and the days
 * entered in the erasure ledger, as an erasure would. What no erasure request can reach, time does.
 */
@Injectable()
export class UnattributedRetention implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(UnattributedRetention.name);
  private readonly loop = new BackgroundLoop(UnattributedRetention.name, () => this.sweepThenWait(), SWEEP_INTERVAL_MS);

  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: SubjectVault,
    private readonly config: HistoryConfig,
  ) {}

  onModuleInit(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  private async sweepThenWait(): Promise<boolean> {
    await this.sweep(new Date());
    return false;
  }

  /** Destroys the keys of the days past retention; returns how many keys went. */
  async sweep(now: Date): Promise<number> {
    const cutoff = now.getTime() - this.config.HISTORY_UNATTRIBUTED_RETENTION_DAYS * DAY_MS;
    const refs = Array.from({ length: LOOKBACK_DAYS }, (_, back) =>
      this.vault.subjectRef(unattributedSubject(new Date(cutoff - (back + 1) * DAY_MS))),
    );
    const erasedAt = now.toISOString();
    const { keysDestroyed } = await this.dataSource.transaction(async (manager) => {
      await lockChainHead(manager);
      const expired = await manager.query<{ subject_ref: string }[]>(
        `SELECT DISTINCT subject_ref FROM history.subject_keys WHERE subject_ref = ANY($1::text[]) AND wrapped_key IS NOT NULL`,
        [refs],
      );
      if (expired.length === 0) return { keysDestroyed: 0 };
      const found = expired.map((row) => row.subject_ref);
      return applyErasure(manager, {
        erasureId: `retention:${erasedAt}`,
        subjectRef: found[0] ?? '',
        refs: found,
        ticketIds: [],
        erasedAt,
        requestedBy: 'retention',
        organisation: null,
      });
    });
    if (keysDestroyed > 0)
      this.logger.log(`${keysDestroyed} key(s) of unattributed personal data past retention destroyed`);
    return keysDestroyed;
  }
}
