import { Logger } from '@nestjs/common';
import { Server } from '@nestjs/microservices';
import type { CustomTransportStrategy, MessageHandler } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { checkPayload, deadLetterTopic, parseJson } from '#contracts';
import type { ConsumerStatus } from './consumer-status.js';
import type { EventPublisher, EventSink, RawRecord } from './event-publisher.js';
import { deadLetterRecord } from './dead-letter.js';
import { KafkaErrorCode, errorCodeOf, isInfrastructureError, isRetriable, messageOf } from './kafka.errors.js';
import type { DependencyFailureTest } from './kafka.errors.js';
import { KAFKA_HANDLER_OPTION_KEYS, KafkaEventContext, toKafkaEvent } from './kafka-event.js';
import type { KafkaEvent, KafkaHandlerOptions } from './kafka-event.js';
import { kafkaMetrics } from './kafka.metrics.js';
import { childTraceparent, withTrace } from './trace-context.js';
import type { TraceContext } from './trace-context.js';
import { doublingDelayMs, restartDelayMs } from './restart-policy.js';
import { TransactionScope } from './transaction-scope.js';
import { TransactionalProducers } from './transactional-producers.js';

export interface KafkaConsumerServerOptions {
  readonly kafka: Kafka;
  /** Used exactly as given: no suffix is appended. */
  readonly groupId: string;
  readonly publisher: EventPublisher;
  /** Where dead letters go: a publisher of their own, never sharing a request with the handlers' records (default: publisher). */
  readonly deadLetters?: EventPublisher;
  /** Failures of the service's other dependencies (its database) that are waited out, never dead-lettered. */
  readonly dependencyFailure?: DependencyFailureTest;
  readonly status: ConsumerStatus;
  /** Called once when the consumer has died for good; the service must then exit. */
  readonly onFatal: (error: Error) => void;
  /** Creates the dead-letter topics before consumption starts (auto-creation is off). */
  readonly ensureTopics: (topics: string[]) => Promise<void>;
  /** Attempts per record (first try included) before it is dead-lettered. */
  readonly maxAttempts?: number;
  readonly retryBackoffMs?: number;
  readonly maxRetryBackoffMs?: number;
  readonly partitionsConsumedConcurrently?: number;
  readonly sessionTimeoutMs?: number;
  /** A fetch returns once this many bytes are waiting (default 1)... */
  readonly fetchMinBytes?: number;
  /** ...or after this long (default 250 ms). */
  readonly fetchMaxWaitMs?: number;
  /** Largest slice of a fetched batch handed to a batch handler at once (default 250). */
  readonly maxBatchRecords?: number;
  /**
   * Consecutive restarts after consumer failures (broker loss, coordinator loading, failed commits)
   * without rejoining the group, before giving up for good (default 20). They are spaced by a
   * doubling delay from `restartBackoffMs` (default 250) up to 10 s, so the default rides out an
   * outage of about two and a half minutes.
   */
  readonly maxRestarts?: number;
  readonly restartBackoffMs?: number;
  /** Only read records of committed transactions (default true). */
  readonly readCommitted?: boolean;
  /** Transactional handlers: the broker aborts a transaction left open longer than this. */
  readonly transactionTimeoutMs?: number;
}

type Outcome = 'done' | 'interrupted';

/** A record that could not be handled, parked on the dead-letter topic. */
interface DeadLetter {
  readonly topic: string;
  readonly record: RawRecord;
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: string };
  readonly code: string;
  readonly reason: string;
  readonly attempts: number;
}

const UNKNOWN_KEYS_IN_HANDLER_OPTIONS = (options: Record<string, unknown>): string[] =>
  Object.keys(options).filter((key) => !(KAFKA_HANDLER_OPTION_KEYS as readonly string[]).includes(key));

/**
 * Nest custom transport strategy over Kafka that owns the consumption semantics: handlers remain
 * `@EventPattern(topic)` methods, records are fetched in batches, offsets are committed only after
 * the handler's work has completed (handlers await their durable writes), failures are retried a
 * bounded number of times with exponential backoff and then moved, with the reason, to
 * `<topic>.<group>.dlq`, so one bad record never blocks its partition.
 *
 * Handlers declared `{ transactional: true }` consume-transform-produce instead: what they publish
 * through their context, the dead letters and the consumed offset of a fetched partition batch are
 * written in one Kafka transaction (see `TransactionalProducers` for the fencing), so an input's
 * outputs are seen by read_committed readers exactly once, whatever crashes.
 */
export class KafkaConsumerServer extends Server implements CustomTransportStrategy {
  override readonly transportId = Symbol('kafka-consumer');
  override readonly propagatesEventHandlerErrors = true;
  private readonly log = new Logger(KafkaConsumerServer.name);
  private consumer: Consumer | undefined;
  private stopping = false;
  private restarts = 0;
  private readonly wakeUps = new Set<() => void>();
  private readonly transactions: TransactionalProducers;

  constructor(private readonly options: KafkaConsumerServerOptions) {
    super();
    this.transactions = new TransactionalProducers({
      kafka: options.kafka,
      groupId: options.groupId,
      ...(options.transactionTimeoutMs === undefined ? {} : { transactionTimeoutMs: options.transactionTimeoutMs }),
    });
  }

  listen(callback: (...optionalParams: unknown[]) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  async close(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakeUps) wake();
    const consumer = this.consumer;
    if (!consumer) return;
    this.options.status.set('stopping');
    // stop() waits for the batches in flight, which commit what they finished; disconnect leaves the group.
    await consumer.stop();
    await consumer.disconnect();
    await this.transactions.close();
    this.consumer = undefined;
    this.options.status.set('stopped');
  }

  on(): void {
    throw new Error('KafkaConsumerServer has no events to subscribe to');
  }

  unwrap<T>(): T {
    if (!this.consumer) throw new Error('consumer not started');
    return this.consumer as T;
  }

  private async start(): Promise<void> {
    const { kafka, groupId, status } = this.options;
    const topics = [...this.messageHandlers.keys()];
    if (topics.length === 0) return;
    for (const topic of topics) {
      const handler = this.messageHandlers.get(topic);
      if (handler?.next) throw new Error(`more than one handler for ${topic} in group ${groupId}`);
      const unknown = UNKNOWN_KEYS_IN_HANDLER_OPTIONS((handler?.extras ?? {}) as Record<string, unknown>);
      if (unknown.length > 0) throw new Error(`unknown handler options for ${topic}: ${unknown.join(', ')}`);
    }
    status.set('starting');
    await this.options.ensureTopics(topics.map((topic) => deadLetterTopic(topic, groupId)));

    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 15_000,
      heartbeatInterval: 3_000,
      rebalanceTimeout: 60_000,
      minBytes: this.options.fetchMinBytes ?? 1,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs ?? 250,
      readUncommitted: !(this.options.readCommitted ?? true),
      allowAutoTopicCreation: false,
      retry: {
        retries: this.options.maxRestarts === 0 ? 0 : 5,
        restartOnFailure: async (error: Error) => {
          const maxRestarts = this.options.maxRestarts ?? 20;
          this.restarts += 1;
          // A broker that restarts answers "coordinator loading" for seconds: quick restarts would
          // spend the whole budget on it.
          const delay = restartDelayMs(this.restarts, maxRestarts, this.options.restartBackoffMs ?? 250);
          if (delay === undefined || this.stopping) {
            this.log.error(`consumer of ${groupId} failed ${this.restarts} time(s) in a row: ${error.message}`);
            return false;
          }
          this.log.error(
            `consumer of ${groupId} failed (restart ${this.restarts}/${maxRestarts} in ${delay} ms): ${error.message}`,
          );
          // Not consuming until the group is joined again: not ready meanwhile.
          status.set('starting', error.message);
          return this.sleep(delay);
        },
      },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      if (restart || this.stopping) return;
      status.set('crashed', error.message);
      this.log.error(`consumer of ${groupId} crashed and will not restart: ${error.message}`);
      this.options.onFatal(error);
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.restarts = 0;
      // Partitions may have had another owner meanwhile: their producers fence it again first.
      this.transactions.newGeneration();
      status.set('running');
    });

    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.log.log(`group ${groupId} consuming ${topics.join(', ')}`);
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const handler = this.messageHandlers.get(batch.topic);
    if (!handler || batch.messages.length === 0) return;
    const options = (handler.extras ?? {}) as KafkaHandlerOptions;
    const lag = { topic: batch.topic, partition: String(batch.partition), group: this.options.groupId };
    // Records behind the high watermark: this batch included when it starts, what is left when it ends.
    kafkaMetrics.lag.set(lag, Number(batch.offsetLagLow()));
    try {
      await this.handleFetchedBatch(payload, handler, options);
    } finally {
      kafkaMetrics.lag.set(lag, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(batch.lastOffset()) - 1n)));
    }
  }

  private async handleFetchedBatch(
    payload: EachBatchPayload,
    handler: MessageHandler,
    options: KafkaHandlerOptions,
  ): Promise<void> {
    const { batch } = payload;
    const resolveOffset = (offset: string): void => payload.resolveOffset(offset);
    const heartbeat = (): Promise<void> => payload.heartbeat();
    const isRunning = (): boolean => payload.isRunning();
    const isStale = (): boolean => payload.isStale();
    if (options.transactional) {
      await this.handleTransactionalBatch(payload, handler, options);
      return;
    }
    const commit = async (offset: string): Promise<void> => {
      await this.consumer?.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(offset) + 1n).toString() },
      ]);
    };

    if (options.batch) {
      // Chunks bound the work between two heartbeats and two commits, whatever the fetch size.
      const chunkSize = this.options.maxBatchRecords ?? 250;
      for (let start = 0; start < batch.messages.length; start += chunkSize) {
        if (!isRunning() || isStale()) return;
        const chunk = batch.messages.slice(start, start + chunkSize);
        const events: { event: KafkaEvent; message: KafkaMessage }[] = [];
        for (const message of chunk) {
          const decoded = this.decode(batch.topic, batch.partition, message, options);
          if ('error' in decoded) {
            await this.deadLetter(batch.topic, batch.partition, message, decoded.error, 1);
          } else {
            events.push({ event: decoded.event, message });
          }
        }
        if (events.length > 0) {
          const all = events.map(({ event }) => event);
          const whole = await this.attempt(batch.topic, () => this.invoke(handler, all), heartbeat, 2);
          if (whole.kind === 'interrupted') return;
          if (whole.kind === 'failed') {
            // Isolate the record(s) that fail: each one gets its own bounded retries and DLQ.
            this.log.warn(
              `batch of ${all.length} on ${batch.topic}[${batch.partition}] failed, retrying record by record`,
            );
            for (const { event, message } of events) {
              if (!isRunning() || isStale()) return;
              const outcome = await this.processRecord(
                handler,
                batch.topic,
                batch.partition,
                message,
                [event],
                heartbeat,
              );
              if (outcome === 'interrupted') return;
              resolveOffset(message.offset);
              await commit(message.offset);
            }
          } else {
            kafkaMetrics.consumed.inc({ topic: batch.topic, group: this.options.groupId }, all.length);
          }
        }
        const last = chunk[chunk.length - 1];
        if (last) {
          resolveOffset(last.offset);
          await commit(last.offset);
          await heartbeat();
        }
      }
      return;
    }

    let uncommitted: string | undefined;
    let lastCommitAt = Date.now();
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const decoded = this.decode(batch.topic, batch.partition, message, options);
      let outcome: Outcome;
      if ('error' in decoded) {
        await this.deadLetter(batch.topic, batch.partition, message, decoded.error, 1);
        outcome = 'done';
      } else {
        outcome = await this.processRecord(handler, batch.topic, batch.partition, message, decoded.event, heartbeat);
      }
      if (outcome === 'interrupted') break;
      resolveOffset(message.offset);
      uncommitted = message.offset;
      if (Date.now() - lastCommitAt > 1_000) {
        await commit(message.offset);
        uncommitted = undefined;
        lastCommitAt = Date.now();
        await heartbeat();
      }
    }
    if (uncommitted !== undefined) await commit(uncommitted);
  }

  /**
   * One transaction per fetched partition batch: what the handler published for each record, the
   * batch's dead letters and the offset after the last record handled. Handler failures are retried
   * and dead-lettered as in the plain mode before the transaction is opened, so a poison record is
   * isolated and parked while the other records' outputs still commit. A transaction that fails
   * leaves nothing visible and the offset where it was; the error goes back to kafkajs, which fetches
   * the batch again (a bounded number of times, then the consumer restarts, and finally crashes).
   * On shutdown, the records handled so far are committed and the rest is left for the next owner.
   */
  private async handleTransactionalBatch(
    payload: EachBatchPayload,
    handler: MessageHandler,
    options: KafkaHandlerOptions,
  ): Promise<void> {
    const { topic, partition } = payload.batch;
    const heartbeat = (): Promise<void> => payload.heartbeat();
    const interrupted = (): boolean => !payload.isRunning() || payload.isStale();
    try {
      let messages = payload.batch.messages;
      const committed = await this.transactions.prepare(topic, partition);
      if (committed !== undefined) {
        const done = messages.filter((message) => BigInt(message.offset) < committed);
        const last = done[done.length - 1];
        if (last) {
          // Committed by a previous owner whose transaction completed after this consumer read its position.
          this.log.warn(
            `${topic}[${partition}]: skipping ${done.length} record(s) below the committed offset ${committed}`,
          );
          payload.resolveOffset(last.offset);
          messages = messages.slice(done.length);
        }
      }
      if (messages.length === 0) return;

      const source = this.options.publisher.source;
      const staged = new TransactionScope(source);
      const deadLetters: DeadLetter[] = [];
      let handled = 0;
      let lastOffset: string | undefined;
      const park = (message: KafkaMessage, error: unknown, attempts: number): void => {
        const dead = this.deadLetterOf(topic, partition, message, error, attempts);
        staged.stageRaw(dead.topic, dead.record);
        deadLetters.push(dead);
      };
      const decoded = messages.map((message) => ({ message, result: this.decode(topic, partition, message, options) }));

      type Decoded = (typeof decoded)[number];
      /** Returns false when interrupted (shutdown): what was handled before still commits. */
      const oneByOne = async (records: readonly Decoded[]): Promise<boolean> => {
        for (const { message, result } of records) {
          if (interrupted()) return false;
          if ('error' in result) {
            park(message, result.error, 1);
          } else {
            const scope = new TransactionScope(source);
            const data = options.batch ? [result.event] : result.event;
            const work = async (): Promise<void> => {
              scope.clear();
              await this.invoke(handler, data, scope);
            };
            const outcome = await this.attempt(topic, work, heartbeat, this.options.maxAttempts ?? 4);
            if (outcome.kind === 'interrupted') return false;
            if (outcome.kind === 'failed') {
              park(message, outcome.error, outcome.attempts);
            } else {
              staged.adopt(scope);
              handled += 1;
            }
          }
          lastOffset = message.offset;
        }
        return true;
      };

      if (options.batch) {
        // Slices bound the handler's work between two heartbeats; the transaction stays one per batch.
        const sliceSize = this.options.maxBatchRecords ?? 250;
        for (let start = 0; start < decoded.length; start += sliceSize) {
          if (interrupted()) break;
          const slice = decoded.slice(start, start + sliceSize);
          const events = slice.flatMap(({ result }) => ('event' in result ? [result.event] : []));
          const scope = new TransactionScope(source);
          const work = async (): Promise<void> => {
            scope.clear();
            await this.invoke(handler, events, scope);
          };
          const whole = events.length > 0 ? await this.attempt(topic, work, heartbeat, 2) : ({ kind: 'ok' } as const);
          if (whole.kind === 'interrupted') break;
          if (whole.kind === 'ok') {
            for (const { message, result } of slice) if ('error' in result) park(message, result.error, 1);
            staged.adopt(scope);
            handled += events.length;
            lastOffset = slice[slice.length - 1]?.message.offset ?? lastOffset;
          } else {
            // Isolate the record(s) that fail: each one gets its own bounded retries and dead letter.
            this.log.warn(`batch of ${events.length} on ${topic}[${partition}] failed, retrying record by record`);
            if (!(await oneByOne(slice))) break;
          }
          await heartbeat();
        }
      } else {
        await oneByOne(decoded);
      }
      if (lastOffset === undefined) return;

      await this.transactions.commit(topic, partition, staged.records, (BigInt(lastOffset) + 1n).toString());
      payload.resolveOffset(lastOffset);
      if (handled > 0) kafkaMetrics.consumed.inc({ topic, group: this.options.groupId }, handled);
      for (const dead of deadLetters) this.deadLettered(dead);
    } catch (error) {
      this.log.warn(
        `${topic}[${partition}]: ${errorCodeOf(error)}: ${messageOf(error)}; the batch will be fetched again`,
      );
      throw error;
    }
  }

  private async processRecord(
    handler: MessageHandler,
    topic: string,
    partition: number,
    message: KafkaMessage,
    data: KafkaEvent | KafkaEvent[],
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    const maxAttempts = this.options.maxAttempts ?? 4;
    const result = await this.attempt(topic, () => this.invoke(handler, data), heartbeat, maxAttempts);
    if (result.kind === 'interrupted') return 'interrupted';
    if (result.kind === 'failed') {
      await this.deadLetter(topic, partition, message, result.error, result.attempts);
      return 'done';
    }
    kafkaMetrics.consumed.inc({ topic, group: this.options.groupId });
    return 'done';
  }

  private async attempt(
    topic: string,
    work: () => Promise<void>,
    heartbeat: () => Promise<void>,
    maxAttempts: number,
  ): Promise<{ kind: 'ok' } | { kind: 'interrupted' } | { kind: 'failed'; error: unknown; attempts: number }> {
    const base = this.options.retryBackoffMs ?? 200;
    const cap = this.options.maxRetryBackoffMs ?? 5_000;
    // Failures of the broker or the database are waited out for as long as it takes (the
    // partition waits, as everything else would); only the record's own failures count.
    let counted = 0;
    let waited = 0;
    for (;;) {
      try {
        await work();
        return { kind: 'ok' };
      } catch (error) {
        const infrastructure = isInfrastructureError(error, this.options.dependencyFailure);
        if (infrastructure) waited += 1;
        else counted += 1;
        if (!isRetriable(error) || (!infrastructure && counted >= maxAttempts))
          return { kind: 'failed', error, attempts: counted + waited };
        kafkaMetrics.retries.inc({ topic, group: this.options.groupId });
        const attempt = infrastructure ? waited : counted;
        const delay = doublingDelayMs(attempt, base, cap) * (0.5 + Math.random() / 2);
        const label = infrastructure
          ? `dependency unavailable (wait ${waited})`
          : `attempt ${counted}/${maxAttempts} failed`;
        this.log.warn(
          `${topic}: ${label} (${errorCodeOf(error)}: ${messageOf(error)}), retrying in ${Math.round(delay)} ms`,
        );
        if (!(await this.sleep(delay))) return { kind: 'interrupted' };
        await heartbeat();
      }
    }
  }

  private async invoke(
    handler: MessageHandler,
    data: KafkaEvent | KafkaEvent[],
    sink: EventSink = this.options.publisher,
  ): Promise<void> {
    const context = new KafkaEventContext([data, sink]);
    const topic = Array.isArray(data) ? (data[0]?.topic ?? 'none') : data.topic;
    const stopTimer = kafkaMetrics.handlerDuration.startTimer({
      topic,
      group: this.options.groupId,
      mode: Array.isArray(data) ? 'batch' : 'record',
    });
    // One event: its trace is the context of the handler (logs, publications). A batch has none:
    // its handler passes each event's ids on explicitly.
    const trace = Array.isArray(data) ? undefined : traceOf(data);
    try {
      const run = async (): Promise<void> => {
        const result: unknown = await handler(data, context);
        await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      };
      await (trace ? withTrace(trace, run) : run());
    } finally {
      stopTimer();
    }
  }

  private decode(
    topic: string,
    partition: number,
    message: KafkaMessage,
    options: KafkaHandlerOptions,
  ): { event: KafkaEvent } | { error: { code: string; message: string; retriable: false } } {
    if (message.value === null && options.payload) {
      return {
        error: { code: KafkaErrorCode.invalidEvent, message: `a ${topic} record needs a value`, retriable: false },
      };
    }
    if (message.value === null || options.rawValue) {
      const raw = message.value === null ? null : message.value.toString('utf8');
      return { event: toKafkaEvent(topic, partition, message, raw) };
    }
    const parsed = parseJson(message.value.toString('utf8'));
    if (!parsed.ok) {
      return {
        error: {
          code: KafkaErrorCode.invalidJson,
          message: parsed.errors[0]?.message ?? 'not valid JSON',
          retriable: false,
        },
      };
    }
    if (options.payload) {
      const checked = checkPayload(options.payload, parsed.value);
      if (!checked.ok) {
        const reasons = checked.errors.map((error) => `${error.field || '(value)'}: ${error.code}`).join(', ');
        return {
          error: {
            code: KafkaErrorCode.invalidEvent,
            message: `invalid ${topic} payload: ${reasons}`,
            retriable: false,
          },
        };
      }
    }
    return { event: toKafkaEvent(topic, partition, message, parsed.value) };
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    attempts: number,
  ): Promise<void> {
    const dead = this.deadLetterOf(topic, partition, message, error, attempts);
    await (this.options.deadLetters ?? this.options.publisher).publishRaw(dead.topic, dead.record);
    this.deadLettered(dead);
  }

  private deadLetterOf(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    attempts: number,
  ): DeadLetter {
    const { groupId } = this.options;
    const code = errorCodeOf(error);
    const reason = messageOf(error);
    const record = deadLetterRecord(
      {
        topic,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        ...(message.headers ? { headers: message.headers } : {}),
      },
      { groupId, code, reason, attempts, failedAt: new Date() },
    );
    return {
      topic: deadLetterTopic(topic, groupId),
      record,
      source: { topic, partition, offset: message.offset },
      code,
      reason: reason.slice(0, 200),
      attempts,
    };
  }

  /** Metrics and log line of a dead letter once it is written. */
  private deadLettered(dead: DeadLetter): void {
    const { topic, partition, offset } = dead.source;
    kafkaMetrics.deadLettered.inc({ topic, group: this.options.groupId, code: dead.code });
    this.log.error(
      `${topic}[${partition}]@${offset} moved to ${dead.topic} after ${dead.attempts} attempt(s): ${dead.code}: ${dead.reason}`,
    );
  }

  /** Resolves true after the delay, false at once when the server is stopping. */
  private sleep(ms: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeUps.delete(wake);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.wakeUps.delete(wake);
        resolve(!this.stopping);
      }, ms);
      this.wakeUps.add(wake);
    });
  }
}

/** The trace an event continues: its correlation id, a child of its traceparent, and itself as the cause. */
export function traceOf(event: KafkaEvent): TraceContext {
  return {
    ...(event.cloudEvent.correlationId ? { correlationId: event.cloudEvent.correlationId } : {}),
    ...(event.cloudEvent.traceparent ? { traceparent: childTraceparent(event.cloudEvent.traceparent) } : {}),
    ...(event.cloudEvent.id ? { causationId: event.cloudEvent.id } : {}),
  };
}
