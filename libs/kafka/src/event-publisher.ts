import { Logger } from '@nestjs/common';
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { topicSpec, toCloudEventHeaders } from '#contracts';
import type { TopicName, TopicPayloads } from '#contracts';
import { KafkaErrorCode, KafkaPublishError, isStaleProducer, messageOf } from './kafka.errors.js';
import { keyPartitioner } from './key-partitioner.js';
import { kafkaMetrics } from './kafka.metrics.js';
import { childTraceparent, currentTrace } from './trace-context.js';

/** An event to publish; the envelope (CloudEvents headers) is built from these fields. */
export interface OutgoingEvent<P> {
  /** Record key: the entity id the topic is keyed by (null only when the input had none); never personal data. */
  readonly key: string | null;
  readonly payload: P;
  /** `ce_id`; make it deterministic when the event derives from another one. */
  readonly id: string;
  readonly subject?: string;
  readonly time?: string;
  readonly type?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly traceparent?: string;
}

/** An event and the topic it goes to. */
export interface TopicEvent {
  readonly topic: TopicName;
  readonly event: OutgoingEvent<unknown>;
}

/**
 * Where handlers publish. `EventPublisher` writes at once; the publisher a transactional handler
 * gets through its context (`TransactionScope`) keeps the events for the consumer's transaction.
 */
export interface EventSink {
  publish<T extends TopicName>(topic: T, event: OutgoingEvent<TopicPayloads[T]>): Promise<void>;
  /** All of them or none. */
  publishAll(events: readonly TopicEvent[]): Promise<void>;
}

export interface RawRecord {
  readonly key: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers: Record<string, string | Buffer>;
}

export interface EventPublisherOptions {
  /** `ce_source` of this service, e.g. `/support/intake`. */
  readonly source: string;
  /** How long sends wait to be grouped into one produce request. */
  readonly lingerMs?: number;
  /** A group reaching this many records is sent without waiting for the linger time. */
  readonly maxBatchRecords?: number;
  /** Upper bound for one acknowledged write, connection included. */
  readonly sendTimeoutMs?: number;
}

interface Pending {
  readonly records: TopicMessages[];
  readonly count: number;
  readonly enqueuedAt: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Awaited, idempotent (acks=all) publishing. Sends made within `lingerMs` of each other, or while
 * a produce request is in flight, are grouped into the next single produce request (group commit),
 * so many concurrent callers cost one round trip. Only one request is in flight at a time, which
 * keeps per-partition order without relying on the client's idempotence window.
 */
export class EventPublisher implements EventSink {
  private readonly logger = new Logger(EventPublisher.name);
  private producer: Producer;
  private readonly lingerMs: number;
  private readonly maxBatchRecords: number;
  private readonly sendTimeoutMs: number;
  private queue: Pending[] = [];
  private queuedRecords = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private connected: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: EventPublisherOptions,
  ) {
    this.lingerMs = options.lingerMs ?? 2;
    this.maxBatchRecords = options.maxBatchRecords ?? 1000;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 10_000;
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: keyPartitioner,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (this.producer === producer) this.connected = undefined;
    });
    return producer;
  }

  /** A new producer id: the broker has forgotten the old one's sequence numbers (see isStaleProducer). */
  private async replaceProducer(): Promise<void> {
    const stale = this.producer;
    this.producer = this.newProducer();
    this.connected = undefined;
    kafkaMetrics.producerResets.inc();
    await stale.disconnect().catch(() => undefined);
  }

  get source(): string {
    return this.options.source;
  }

  /** Publishes one event and resolves once it is durably written. */
  async publish<T extends TopicName>(topic: T, event: OutgoingEvent<TopicPayloads[T]>): Promise<void> {
    await this.enqueue([{ topic, messages: [toKafkaMessage(this.options.source, topic, event)] }], 1);
  }

  /** Publishes events to several topics in one produce request; all succeed or the call throws. */
  async publishAll(events: readonly TopicEvent[]): Promise<void> {
    if (events.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const { topic, event } of events) {
      const messages = byTopic.get(topic) ?? [];
      messages.push(toKafkaMessage(this.options.source, topic, event));
      byTopic.set(topic, messages);
    }
    const records = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    await this.enqueue(records, events.length);
  }

  /** Publishes an already-built record, e.g. a record moved unchanged to a dead-letter topic. */
  async publishRaw(topic: string, record: RawRecord): Promise<void> {
    await this.enqueue([{ topic, messages: [{ key: record.key, value: record.value, headers: record.headers }] }], 1);
  }

  /** Connects eagerly; failures are not fatal since every send connects on demand. */
  async connect(): Promise<void> {
    await this.ensureConnected();
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight || this.queue.length > 0) {
      if (!this.inFlight) this.flush();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await this.producer.disconnect();
  }

  isConnected(): boolean {
    return this.connected !== undefined;
  }

  private enqueue(records: TopicMessages[], count: number): Promise<void> {
    if (this.closed) {
      return Promise.reject(new KafkaPublishError(KafkaErrorCode.unavailable, 'publisher is closed'));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, count, enqueuedAt: performance.now(), resolve, reject });
      this.queuedRecords += count;
      if (this.inFlight) return;
      if (this.queuedRecords >= this.maxBatchRecords) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.queuedRecords = 0;
    this.inFlight = true;
    void this.send(batch).finally(() => {
      this.inFlight = false;
      // Whatever queued while this request was in flight has already waited long enough.
      if (this.queue.length > 0) this.flush();
    });
  }

  private async send(batch: Pending[]): Promise<void> {
    const topicMessages = mergeByTopic(batch);
    const count = batch.reduce((sum, pending) => sum + pending.count, 0);
    try {
      await withTimeout(
        (async () => {
          await this.ensureConnected();
          await this.producer.sendBatch({ topicMessages, acks: -1, timeout: this.sendTimeoutMs });
        })(),
        this.sendTimeoutMs,
      );
      const now = performance.now();
      kafkaMetrics.publishBatchSize.observe(count);
      for (const { topic, messages } of topicMessages) kafkaMetrics.published.inc({ topic }, messages.length);
      for (const pending of batch) {
        kafkaMetrics.publishLatency.observe((now - pending.enqueuedAt) / 1000);
        pending.resolve();
      }
    } catch (error) {
      const failure =
        error instanceof KafkaPublishError
          ? error
          : new KafkaPublishError(KafkaErrorCode.unavailable, `Kafka write failed: ${messageOf(error)}`, { cause: error });
      kafkaMetrics.publishFailures.inc({ code: failure.code });
      this.logger.warn(`${count} record(s) not written: ${failure.message}`);
      // The batch still fails (callers retry), but the next one goes out under a new producer id.
      if (isStaleProducer(error)) {
        this.logger.warn('the broker no longer knows this producer id: a new producer takes over');
        await this.replaceProducer();
      }
      for (const pending of batch) pending.reject(failure);
    }
  }

  private ensureConnected(): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw new KafkaPublishError(KafkaErrorCode.unavailable, `cannot connect to Kafka: ${messageOf(error)}`, { cause: error });
    });
    return this.connected;
  }
}

/** The Kafka record of an event: JSON value, CloudEvents binary-mode headers. */
export function toKafkaMessage(source: string, topic: TopicName, event: OutgoingEvent<unknown>): Message {
  // Inside a handled event or an HTTP request, what is published continues its trace.
  const trace = currentTrace();
  const correlationId = event.correlationId ?? trace?.correlationId;
  const causationId = event.causationId ?? trace?.causationId;
  const traceparent = event.traceparent ?? (trace?.traceparent === undefined ? undefined : childTraceparent(trace.traceparent));
  const attributes = {
    id: event.id,
    source,
    type: event.type ?? topicSpec(topic).eventType,
    time: event.time ?? new Date().toISOString(),
    ...((event.subject ?? event.key) ? { subject: event.subject ?? event.key ?? '' } : {}),
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(causationId === undefined ? {} : { causationId }),
    ...(traceparent === undefined ? {} : { traceparent }),
  };
  return { key: event.key, value: JSON.stringify(event.payload), headers: toCloudEventHeaders(attributes) };
}

function mergeByTopic(batch: readonly Pending[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const pending of batch) {
    for (const { topic, messages } of pending.records) {
      const existing = byTopic.get(topic);
      if (existing) existing.push(...messages);
      else byTopic.set(topic, [...messages]);
    }
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KafkaPublishError(KafkaErrorCode.publishTimeout, `no acknowledgement from Kafka within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
