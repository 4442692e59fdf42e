import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { decodeHeaders } from '#kafka';
import type { ReadRecord } from '#testing';

/**
 * Collects what is written to topics from now on (the contract topics of a shared test broker hold
 * far too much history to read from their beginning). Isolation: read_committed unless asked.
 */
export class TopicTail {
  private readonly seen = new Map<string, ReadRecord>();

  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka, topics: string[], options: { readUncommitted?: boolean } = {}): Promise<TopicTail> {
    const admin = kafka.admin();
    await admin.connect();
    const ends: { topic: string; partition: number; offset: string }[] = [];
    try {
      for (const topic of topics) {
        for (const { partition, high } of await admin.fetchTopicOffsets(topic))
          ends.push({ topic, partition, offset: high });
      }
    } finally {
      await admin.disconnect();
    }
    const consumer = kafka.consumer({
      groupId: `test-tail-${randomUUID()}`,
      readUncommitted: options.readUncommitted ?? false,
      maxWaitTimeInMs: 100,
    });
    const tail = new TopicTail(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        // Keyed by position: a fetch that was in flight before the seek may deliver a record twice.
        tail.seen.set(`${topic}|${partition}|${message.offset}`, {
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? null,
          headers: decodeHeaders(message.headers),
        });
      },
    });
    for (const end of ends) consumer.seek(end);
    return tail;
  }

  get records(): ReadRecord[] {
    return [...this.seen.values()];
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
