import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Consumer, Kafka } from 'kafkajs';
import { parseJson } from '#contracts';

export type CompactedRecordHandler = (key: string, value: unknown) => void;

/**
 * Reads a compacted topic from its beginning into memory and keeps following it. Each instance
 * reads everything (its own throwaway group, no commits), which is what a lookup table needs.
 * `start()` resolves once the records that existed at start-up have all been applied.
 */
export class CompactedTopicReader {
  private readonly logger = new Logger(CompactedTopicReader.name);
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly clientId: string,
    private readonly onRecord: CompactedRecordHandler,
  ) {}

  async start(timeoutMs = 30_000): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = new Map<number, bigint>();
    try {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(this.topic)) {
        if (BigInt(high) > BigInt(low)) ends.set(partition, BigInt(high));
      }
    } finally {
      await admin.disconnect();
    }
    const consumer = this.kafka.consumer({
      groupId: `${this.clientId}-reader-${randomUUID()}`,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    let caughtUp: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      caughtUp = resolve;
    });
    if (ends.size === 0) caughtUp();
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const key = message.key?.toString('utf8');
        if (key) {
          if (message.value === null) this.onRecord(key, null);
          else {
            const parsed = parseJson(message.value.toString('utf8'));
            if (parsed.ok) this.onRecord(key, parsed.value);
            else this.logger.warn(`${this.topic}[${partition}]@${message.offset}: value is not JSON, ignored`);
          }
        }
        const end = ends.get(partition);
        if (end !== undefined && BigInt(message.offset) + 1n >= end) {
          ends.delete(partition);
          if (ends.size === 0) caughtUp();
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${this.topic} not read to its end within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }
}
