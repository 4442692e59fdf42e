import { Logger } from '@nestjs/common';
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { topicSpec, toCloudEventHeaders } from '#contracts';
import type { TopicName, TopicPayloads } from '#contracts';
import { KafkaErrorCode, KafkaPublishError, messageOf, publishFailureOf } from './kafka.errors.js';
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
  /** ...or this many bytes: a produce request stays well below the broker's limits. */
  readonly maxBatchBytes?: number;
  /** Upper bound for one acknowledged write, connection included. */
  readonly sendTimeoutMs?: number;
}

interface Pending {
  readonly records: TopicMessages[];
  readonly count: number;
  readonly bytes: number;
  readonly enqueuedAt: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * The largest record we hand to the broker: its default `max.message.bytes` (1,048,588) less room
 * for the batch framing. A bigger record is refused before it is sent, as the broker would.
 */
export const MAX_RECORD_BYTES = 1_000_000;

/**
 * Awaited, idempotent (acks=all) publishing. Sends made within `lingerMs` of each other, or while
 * a produce request is in flight, are grouped into the next single produce request (group commit),
 * so many concurrent callers cost one round trip. Only one request is in flight at a time, which
 * keeps per-partition order without relying on the client's idempotence window.
 *
 * A failed request poisons its producer: kafkajs numbers the records of every partition of a
 * request before sending, and on any error rolls all those sequence numbers back, including the
 * partitions the broker did append. The next request would then reuse them, and the broker would
 * take a batch of the same size as a duplicate of the earlier one: acknowledged, not written. So
 * every failure replaces the producer (a new producer id, fresh sequences) before anything else
 * is sent. When the broker refused one caller's record, the group's other callers are sent again
 * one by one, so that only the caller at fault fails; a record written by the failed request and
 * again by its retry is the same event (same `ce_id`), which every consumer deduplicates.
 *
 * Records that risk refusal (rejections, dead letters) go through a publisher of their own
 * (`QuarantinePublisher`), never in a request with acknowledged tickets.
 */
export class EventPublisher implements EventSink {
  private readonly logger = new Logger(EventPublisher.name);
  private producer: Producer;
  private readonly lingerMs: number;
  private readonly maxBatchRecords: number;
  private readonly maxBatchBytes: number;
  private readonly sendTimeoutMs: number;
  private queue: Pending[] = [];
  private queuedRecords = 0;
  private queuedBytes = 0;
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
    this.maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
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

  /** A new producer id and fresh sequence numbers (see the class comment). */
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
    await this.enqueue([{ topic, messages: [toKafkaMessage(this.options.source, topic, event)] }]);
  }

  /** Publishes events to several topics in one produce request; all succeed or the call throws. */
  async publishAll(events: readonly TopicEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.enqueue(
      groupByTopic(
        events.map(({ topic, event }) => ({ topic, messages: [toKafkaMessage(this.options.source, topic, event)] })),
      ),
    );
  }

  /** Publishes an already-built record, e.g. a record moved unchanged to a dead-letter topic. */
  async publishRaw(topic: string, record: RawRecord): Promise<void> {
    await this.enqueue([{ topic, messages: [{ key: record.key, value: record.value, headers: record.headers }] }]);
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

  private enqueue(records: TopicMessages[]): Promise<void> {
    if (this.closed) {
      return Promise.reject(new KafkaPublishError(KafkaErrorCode.unavailable, 'publisher is closed'));
    }
    let count = 0;
    let bytes = 0;
    for (const { topic, messages } of records) {
      for (const message of messages) {
        const size = recordSize(message);
        // The broker would refuse it, and fail every caller sharing its request.
        if (size > MAX_RECORD_BYTES) {
          return Promise.reject(
            new KafkaPublishError(
              KafkaErrorCode.recordRefused,
              `a record of ${size} bytes for ${topic} exceeds ${MAX_RECORD_BYTES} bytes`,
            ),
          );
        }
        count += 1;
        bytes += size;
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, count, bytes, enqueuedAt: performance.now(), resolve, reject });
      this.queuedRecords += count;
      this.queuedBytes += bytes;
      if (this.inFlight) return;
      if (this.queuedRecords >= this.maxBatchRecords || this.queuedBytes >= this.maxBatchBytes) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.takeBatch();
    this.inFlight = true;
    void this.send(batch).finally(() => {
      this.inFlight = false;
      // Whatever queued while this request was in flight has already waited long enough.
      if (this.queue.length > 0) this.flush();
    });
  }

  /** The next request: queued callers in order, up to the record and byte bounds (at least one caller). */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let records = 0;
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Pending;
      if (batch.length > 0 && (records + next.count > this.maxBatchRecords || bytes + next.bytes > this.maxBatchBytes))
        break;
      this.queue.shift();
      batch.push(next);
      records += next.count;
      bytes += next.bytes;
    }
    this.queuedRecords -= records;
    this.queuedBytes -= bytes;
    return batch;
  }

  private async send(batch: Pending[]): Promise<void> {
    const failure = await this.sendOnce(batch);
    if (failure === undefined) return;
    // Only the broker's verdict on a record can be pinned on one caller; a broker that is down fails everyone.
    if (failure.code !== KafkaErrorCode.recordRefused || batch.length === 1) {
      for (const pending of batch) pending.reject(failure);
      return;
    }
    this.logger.warn(
      `the broker refused a record of a request shared by ${batch.length} callers: sending each caller's records alone`,
    );
    for (const pending of batch) {
      const own = await this.sendOnce([pending]);
      if (own !== undefined) pending.reject(own);
    }
  }

  /** One produce request; resolves its callers on success, returns the failure otherwise (with a new producer in place). */
  private async sendOnce(batch: readonly Pending[]): Promise<KafkaPublishError | undefined> {
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
    } catch (error) {
      const failure = publishFailureOf(error);
      kafkaMetrics.publishFailures.inc({ code: failure.code });
      this.logger.warn(
        `${count} record(s) not written: ${failure.message}; a new producer takes over (the old one's sequence numbers are unusable)`,
      );
      await this.replaceProducer();
      return failure;
    }
    const now = performance.now();
    kafkaMetrics.publishBatchSize.observe(count);
    for (const { topic, messages } of topicMessages) kafkaMetrics.published.inc({ topic }, messages.length);
    for (const pending of batch) {
      kafkaMetrics.publishLatency.observe((now - pending.enqueuedAt) / 1000);
      pending.resolve();
    }
    return undefined;
  }

  private ensureConnected(): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw new KafkaPublishError(KafkaErrorCode.unavailable, `cannot connect to Kafka: ${messageOf(error)}`, {
        cause: error,
      });
    });
    return this.connected;
  }
}

/**
 * The publisher of records that risk being refused (rejections of malformed input, dead letters):
 * a producer of its own, so that such a record never shares a produce request with acknowledged
 * tickets (see `EventPublisher`).
 */
export class QuarantinePublisher extends EventPublisher {}

/** What a record costs in a produce request, about: key, value, headers and their framing. */
export function recordSize(message: Message): number {
  let size = 64 + byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    size += 8 + name.length + (typeof value === 'string' || Buffer.isBuffer(value) ? byteLength(value) : 0);
  }
  return size;
}

function byteLength(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/** The Kafka record of an event: JSON value, CloudEvents binary-mode headers. */
export function toKafkaMessage(source: string, topic: TopicName, event: OutgoingEvent<unknown>): Message {
  // Inside a handled event or an HTTP request, what is published continues its trace.
  const trace = currentTrace();
  const correlationId = event.correlationId ?? trace?.correlationId;
  const causationId = event.causationId ?? trace?.causationId;
  const traceparent =
    event.traceparent ?? (trace?.traceparent === undefined ? undefined : childTraceparent(trace.traceparent));
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
  return groupByTopic(batch.flatMap((pending) => pending.records));
}

/** Records of several topics as kafkajs sends them: one entry per topic, the records in their order. */
export function groupByTopic(
  entries: readonly { readonly topic: string; readonly messages: readonly Message[] }[],
): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, messages } of entries) {
    const existing = byTopic.get(topic);
    if (existing) existing.push(...messages);
    else byTopic.set(topic, [...messages]);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new KafkaPublishError(KafkaErrorCode.publishTimeout, `no acknowledgement from Kafka within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
