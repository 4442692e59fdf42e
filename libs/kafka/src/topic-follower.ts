import type { Consumer, Kafka } from 'kafkajs';
import { parseJson } from '#contracts';
import { toKafkaEvent } from './kafka-event.js';
import type { KafkaEvent } from './kafka-event.js';

export interface TopicFollowerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts: the oldest record (true) or the next one. */
  readonly fromBeginning: boolean;
  /** Called in order per partition; the offset is committed once it resolves. */
  readonly onEvent: (event: KafkaEvent) => Promise<void>;
  /** Records whose value is not JSON (they are skipped). */
  readonly onUnreadable?: (topic: string, partition: number, offset: string) => void;
}

/**
 * A plain group member for tools (the agents' queue client): one record at a time, read_committed,
 * offsets committed after the callback. Services use the Nest transport (`KafkaConsumerServer`).
 */
export class TopicFollower {
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: TopicFollowerOptions,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const parsed = message.value === null ? undefined : parseJson(message.value.toString('utf8'));
        if (!parsed?.ok) {
          this.options.onUnreadable?.(topic, partition, message.offset);
          return;
        }
        await this.options.onEvent(toKafkaEvent(topic, partition, message, parsed.value));
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }
}
