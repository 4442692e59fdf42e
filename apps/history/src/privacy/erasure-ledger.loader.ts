import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SubjectErasedPayload, Topics, checkPayload } from '#contracts';
import { CompactedTopicReader } from '#kafka';
import { KAFKA_CLIENT } from '#platform';
import type { Kafka } from 'kafkajs';
import { lockChainHead } from '../recording/history.repository.js';
import { enterErasures } from './erasure-ledger.js';

/**
 * Before history reads any other event, every erasure on `support.subjects.erased.v1` (compacted:
 * the latest of each subject) is entered in the ledger. A store rebuilt from the topics, or one
 * that missed an erasure made through another instance, then never keys an erased subject again,
 * whatever order the topics are read in. The erasures are recorded in the chain when the consumer
 * reaches them, like any other event.
 */
@Injectable()
export class ErasureLedgerLoader implements OnModuleInit {
  private readonly logger = new Logger(ErasureLedgerLoader.name);

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const erasures = new Map<string, SubjectErasedPayload>();
    const reader = new CompactedTopicReader(
      this.kafka,
      Topics.subjectsErased,
      'support-history-erasures',
      (key, value) => {
        const checked = checkPayload(SubjectErasedPayload, value);
        if (checked.ok) erasures.set(key, checked.value);
        else
          this.logger.warn(
            `an invalid record on ${Topics.subjectsErased} was ignored (${checked.errors.map((error) => error.code).join(', ')})`,
          );
      },
    );
    try {
      await reader.start();
    } finally {
      await reader.stop();
    }
    if (erasures.size === 0) return;
    const keysDestroyed = await this.dataSource.transaction(async (manager) => {
      await lockChainHead(manager);
      return enterErasures(manager, [...erasures.values()]);
    });
    this.logger.log(
      `erasure ledger: ${erasures.size} erasure(s) on the topic entered, ${keysDestroyed} key(s) destroyed now`,
    );
  }
}
