import { randomUUID } from 'node:crypto';
import type { Consumer, IHeaders, Kafka, Producer } from 'kafkajs';
import { createKafka, decodeHeaders, keyPartitioner } from '#kafka';

export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
  /** The broker's timestamp (ms since epoch, as text). */
  readonly timestamp: string;
}

/**
 * A bare Kafka client for tests: produce plain records (as an outside tool would) and collect
 * what lands on topics, from the beginning, in a throwaway group.
 */
export class KafkaTestClient {
  readonly kafka: Kafka;
  private producer: Producer | undefined;
  private readonly consumers: Consumer[] = [];

  constructor(brokers: string[]) {
    this.kafka = createKafka({ brokers, clientId: `test-${randomUUID().slice(0, 8)}` });
  }

  async produce(
    topic: string,
    records: { key?: string | null; value: string | null; headers?: IHeaders; partition?: number }[],
  ): Promise<void> {
    if (!this.producer) {
      this.producer = this.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: keyPartitioner });
      await this.producer.connect();
    }
    await this.producer.send({
      topic,
      acks: -1,
      messages: records.map((record) => ({
        key: record.key ?? null,
        value: record.value,
        headers: record.headers ?? {},
        ...(record.partition === undefined ? {} : { partition: record.partition }),
      })),
    });
  }

  /** Starts collecting every record of the topics (from their beginning) into the returned array. */
  async collect(topics: string[]): Promise<ReadRecord[]> {
    const records: ReadRecord[] = [];
    const consumer = this.kafka.consumer({ groupId: `test-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    this.consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        records.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? null,
          headers: decodeHeaders(message.headers),
          timestamp: message.timestamp,
        });
      },
    });
    return records;
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.disconnect()));
    await this.producer?.disconnect();
  }
}
