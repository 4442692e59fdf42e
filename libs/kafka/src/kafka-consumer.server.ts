import { Logger } from '@nestjs/common';
import { Server } from '@nestjs/microservices';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { deadLetterTopic } from '#contracts';
import { AttemptPolicy } from './consumer/attempt-policy.js';
import { CommitCoalescer } from './consumer/commit-coalescer.js';
import { GroupedHandler } from './consumer/grouped-handler.js';
import { handlerCall } from './consumer/handler-call.js';
import { PlainRunner } from './consumer/plain-runner.js';
import { DEFAULT_SLICE_RECORDS } from './consumer/runner.js';
import type { Route, RunnerContext } from './consumer/runner.js';
import { TransactionalRunner } from './consumer/transactional-runner.js';
import type { ConsumerStatus } from './consumer-status.js';
import { DeadLetterWriter } from './dead-letter.js';
import type { EventPublisher } from './event-publisher.js';
import type { DependencyFailureTest } from './kafka.errors.js';
import { KAFKA_HANDLER_OPTION_KEYS } from './kafka-event.js';
import type { KafkaHandlerOptions } from './kafka-event.js';
import { kafkaMetrics } from './kafka.metrics.js';
import { restartDelayMs } from './restart-policy.js';
import { TransactionalProducers } from './transactional-producers.js';

/** Consumer session: a member that sends no heartbeat for this long loses its partitions. */
export const SESSION_TIMEOUT_MS = 15_000;
export const HEARTBEAT_INTERVAL_MS = 3_000;
/** How long a rebalance waits for members to rejoin. */
export const REBALANCE_TIMEOUT_MS = 60_000;
export const DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY = 3;
/** Consecutive consumer restarts (broker loss, coordinator loading) before giving up: about 2.5 minutes of outage. */
export const DEFAULT_MAX_RESTARTS = 20;
export const DEFAULT_RESTART_BACKOFF_MS = 250;
/** kafkajs's own retries of a failing consumer operation before it restarts the consumer. */
const CLIENT_RETRIES = 5;

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
  /** Largest slice of a fetched batch handled at once (default 250). */
  readonly maxBatchRecords?: number;
  /** Consecutive restarts without rejoining the group before giving up for good (default 20), spaced by a doubling delay from `restartBackoffMs`. */
  readonly maxRestarts?: number;
  readonly restartBackoffMs?: number;
  /** Only read records of committed transactions (default true). */
  readonly readCommitted?: boolean;
  /** Transactional handlers: the broker aborts a transaction left open longer than this. */
  readonly transactionTimeoutMs?: number;
}

/**
 * Nest custom transport strategy over Kafka that owns the consumption semantics: handlers remain
 * `@EventPattern(topic)` (or `@KafkaHandler(topic)`) methods; records are fetched in batches;
 * offsets are committed only after the handler's work has completed; failures are retried a
 * bounded number of times and then parked, with the reason, on `<topic>.<group>.dlq`, so one bad
 * record never blocks its partition. The work itself is done by a runner per fetched partition
 * batch: `PlainRunner` (at-least-once, one commit and one handler call per poll) or, for handlers
 * declared `{ transactional: true }`, `TransactionalRunner` (outputs, dead letters and offsets in
 * one Kafka transaction). This class starts, stops and restarts the consumer and routes batches.
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
  private readonly routes = new Map<string, Route>();
  private readonly plain: PlainRunner;
  private readonly transactional: TransactionalRunner;

  constructor(private readonly options: KafkaConsumerServerOptions) {
    super();
    this.transactions = new TransactionalProducers({
      kafka: options.kafka,
      groupId: options.groupId,
      ...(options.transactionTimeoutMs === undefined ? {} : { transactionTimeoutMs: options.transactionTimeoutMs }),
    });
    const context: RunnerContext = {
      groupId: options.groupId,
      policy: new AttemptPolicy({
        groupId: options.groupId,
        ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
        ...(options.retryBackoffMs === undefined ? {} : { retryBackoffMs: options.retryBackoffMs }),
        ...(options.maxRetryBackoffMs === undefined ? {} : { maxRetryBackoffMs: options.maxRetryBackoffMs }),
        ...(options.dependencyFailure === undefined ? {} : { dependencyFailure: options.dependencyFailure }),
        sleep: (ms) => this.sleep(ms),
      }),
      deadLetters: new DeadLetterWriter(options.groupId, options.deadLetters ?? options.publisher),
      sliceRecords: options.maxBatchRecords ?? DEFAULT_SLICE_RECORDS,
    };
    this.plain = new PlainRunner(context, options.publisher, new CommitCoalescer(() => this.consumer));
    this.transactional = new TransactionalRunner(context, this.transactions, options.publisher.source);
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
    for (const [topic, handler] of this.messageHandlers) {
      if (handler.next) throw new Error(`more than one handler for ${topic} in group ${groupId}`);
      const options = (handler.extras ?? {}) as KafkaHandlerOptions;
      const unknown = Object.keys(options).filter(
        (key) => !(KAFKA_HANDLER_OPTION_KEYS as readonly string[]).includes(key),
      );
      if (unknown.length > 0) throw new Error(`unknown handler options for ${topic}: ${unknown.join(', ')}`);
      const call = handlerCall(handler, groupId, (result) => this.transformToObservable(result));
      const grouped =
        options.batch && !options.transactional ? new GroupedHandler(call, this.options.publisher) : undefined;
      this.routes.set(topic, { topic, options, call, ...(grouped ? { grouped } : {}) });
    }
    const topics = [...this.routes.keys()];
    if (topics.length === 0) return;
    status.set('starting');
    await this.options.ensureTopics(topics.map((topic) => deadLetterTopic(topic, groupId)));

    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
      minBytes: this.options.fetchMinBytes ?? 1,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs ?? 250,
      readUncommitted: !(this.options.readCommitted ?? true),
      allowAutoTopicCreation: false,
      retry: {
        retries: this.options.maxRestarts === 0 ? 0 : CLIENT_RETRIES,
        restartOnFailure: (error) => this.restartAfter(error),
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
      partitionsConsumedConcurrently:
        this.options.partitionsConsumedConcurrently ?? DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.log.log(`group ${groupId} consuming ${topics.join(', ')}`);
  }

  /** kafkajs asks before restarting a failed consumer: yes after a doubling delay, until the budget is spent. */
  private async restartAfter(error: Error): Promise<boolean> {
    const { groupId, status } = this.options;
    const maxRestarts = this.options.maxRestarts ?? DEFAULT_MAX_RESTARTS;
    this.restarts += 1;
    // A broker that restarts answers "coordinator loading" for seconds: quick restarts would spend the whole budget on it.
    const delay = restartDelayMs(
      this.restarts,
      maxRestarts,
      this.options.restartBackoffMs ?? DEFAULT_RESTART_BACKOFF_MS,
    );
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
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const route = this.routes.get(batch.topic);
    if (!route || batch.messages.length === 0) return;
    const lag = { topic: batch.topic, partition: String(batch.partition), group: this.options.groupId };
    // Records behind the high watermark: this batch included when it starts, what is left when it ends.
    kafkaMetrics.lag.set(lag, Number(batch.offsetLagLow()));
    try {
      await (route.options.transactional ? this.transactional : this.plain).run(payload, route);
    } finally {
      kafkaMetrics.lag.set(lag, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(batch.lastOffset()) - 1n)));
    }
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
