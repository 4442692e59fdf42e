import type { Message } from 'kafkajs';
import type { TopicName, TopicPayloads } from '#contracts';
import { MAX_RECORD_BYTES, recordSize, toKafkaMessage } from './event-publisher.js';
import type { EventSink, OutgoingEvent, RawRecord, TopicEvent } from './event-publisher.js';
import { KafkaErrorCode, KafkaPublishError } from './kafka.errors.js';

/** One record to write in a transaction. */
export interface StagedRecord {
  readonly topic: string;
  readonly message: Message;
}

/**
 * The publisher a transactional handler gets through its context. Publishing only stages the
 * events (it resolves at once); the consumer transport writes them together with the consumed
 * offsets in one Kafka transaction, or not at all. A failed attempt's events are dropped with it.
 */
export class TransactionScope implements EventSink {
  private staged: StagedRecord[] = [];

  constructor(private readonly source: string) {}

  async publish<T extends TopicName>(topic: T, event: OutgoingEvent<TopicPayloads[T]>): Promise<void> {
    this.stage(topic, toKafkaMessage(this.source, topic, event));
  }

  async publishAll(events: readonly TopicEvent[]): Promise<void> {
    for (const { topic, event } of events) this.stage(topic, toKafkaMessage(this.source, topic, event));
  }

  /** A record the broker would refuse fails its handler here, not the whole transaction later. */
  private stage(topic: string, message: Message): void {
    const size = recordSize(message);
    if (size > MAX_RECORD_BYTES) {
      throw new KafkaPublishError(
        KafkaErrorCode.recordRefused,
        `a record of ${size} bytes for ${topic} exceeds ${MAX_RECORD_BYTES} bytes`,
      );
    }
    this.staged.push({ topic, message });
  }

  /** A record built elsewhere, e.g. a dead letter. */
  stageRaw(topic: string, record: RawRecord): void {
    this.staged.push({ topic, message: { key: record.key, value: record.value, headers: record.headers } });
  }

  /** Takes in what another scope staged (a handler attempt that succeeded). */
  adopt(other: TransactionScope): void {
    for (const record of other.staged) this.staged.push(record);
  }

  /** Forgets what a failed attempt staged. */
  clear(): void {
    this.staged = [];
  }

  get records(): readonly StagedRecord[] {
    return this.staged;
  }
}
