import { Logger } from '@nestjs/common';
import type { Admin, Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { KafkaErrorCode, KafkaTransactionError, isProducerFenced, kafkaErrorType, messageOf } from './kafka.errors.js';
import { groupByTopic, recordSize } from './event-publisher.js';
import { forgetCoordinators } from './kafkajs-coordinator-cache.js';
import { keyPartitioner } from './key-partitioner.js';
import { kafkaMetrics } from './kafka.metrics.js';
import type { StagedRecord } from './transaction-scope.js';

export interface TransactionalProducersOptions {
  readonly kafka: Kafka;
  /** The consumer group whose offsets the transactions commit. */
  readonly groupId: string;
  /** The broker aborts a transaction left open longer than this (a crashed instance's, at the latest). */
  readonly transactionTimeoutMs?: number;
  /** Upper bound of one produce request of a transaction; larger transactions send several. */
  readonly maxRequestBytes?: number;
}

interface PartitionProducer {
  readonly producer: Producer;
  readonly generation: number;
}

/**
 * One transactional producer per consumed topic-partition, with the stable transactional id
 * `<group>.<topic>.<partition>`.
 *
 * Why per partition and not per instance: kafkajs sends TxnOffsetCommit without the group's
 * generation and member id (no KIP-447), so the broker cannot refuse offsets committed by a member
 * that has lost its partition. The transactional id is then what fences a zombie: whoever owns a
 * partition initialises that partition's id, which bumps the epoch, aborts the previous owner's open
 * transaction and makes its later writes fail. A crashed instance's open transaction is likewise
 * aborted as soon as the partition is taken over, instead of holding read_committed readers back
 * until the transaction timeout. A side benefit: partitions keep being consumed concurrently, since
 * no producer ever has two transactions at once.
 *
 * After initialising a producer (which waits for the previous owner's transaction to complete), the
 * group's committed offset is read again: records below it were committed by that transaction and
 * must be skipped, even if the consumer fetched its position before the commit completed.
 */
export class TransactionalProducers {
  private readonly log = new Logger(TransactionalProducers.name);
  private readonly producers = new Map<string, PartitionProducer>();
  private generation = 0;
  private admin: Admin | undefined;
  private adminConnected: Promise<void> | undefined;

  constructor(private readonly options: TransactionalProducersOptions) {}

  static transactionalId(groupId: string, topic: string, partition: number): string {
    return `${groupId}.${topic}.${partition}`;
  }

  /**
   * The group's assignment changed: every producer is initialised again (fencing whoever wrote
   * for its partition meanwhile) before its partition's next transaction.
   */
  newGeneration(): void {
    this.generation += 1;
  }

  /**
   * Makes sure the partition has a producer of the current generation. When one had to be created,
   * returns the group's committed offset for the partition, read after fencing (-1n: none).
   */
  async prepare(topic: string, partition: number): Promise<bigint | undefined> {
    const key = `${topic}|${partition}`;
    const existing = this.producers.get(key);
    if (existing?.generation === this.generation) return undefined;
    if (existing) await this.discard(topic, partition);

    const transactionalId = TransactionalProducers.transactionalId(this.options.groupId, topic, partition);
    const producer = this.options.kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.options.transactionTimeoutMs ?? 30_000,
      allowAutoTopicCreation: false,
      createPartitioner: keyPartitioner,
      // CONCURRENT_TRANSACTIONS right after a commit (markers still being written) is retried soon.
      retry: { retries: 10, initialRetryTime: 10, maxRetryTime: 1_000 },
    });
    try {
      await producer.connect();
      // InitProducerId with the transactional id: fences the previous owner and completes its transaction.
      const init = await producer.transaction();
      await init.abort();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw new KafkaTransactionError(
        KafkaErrorCode.transactionFailed,
        `cannot initialise the transactional producer ${transactionalId}: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
    this.producers.set(key, { producer, generation: this.generation });
    return this.committedOffset(topic, partition);
  }

  /**
   * Writes the staged records and the consumed offset (`nextOffset`, the next record to read) in
   * one transaction. On any failure the transaction is aborted if it can be, the producer is
   * dropped (the next `prepare` initialises a new one), and a retriable error is thrown.
   */
  async commit(topic: string, partition: number, records: readonly StagedRecord[], nextOffset: string): Promise<void> {
    const entry = this.producers.get(`${topic}|${partition}`);
    if (!entry)
      throw new KafkaTransactionError(
        KafkaErrorCode.transactionFailed,
        `no transactional producer for ${topic}[${partition}]`,
      );
    const started = performance.now();
    let transaction: Awaited<ReturnType<Producer['transaction']>> | undefined;
    try {
      transaction = await entry.producer.transaction();
      for (const topicMessages of requests(records, this.options.maxRequestBytes ?? 512 * 1024)) {
        await transaction.sendBatch({ topicMessages, acks: -1 });
      }
      const active = transaction;
      await retryConcurrentTransactions(() =>
        active.sendOffsets({
          consumerGroupId: this.options.groupId,
          topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }],
        }),
      );
      await transaction.commit();
    } catch (error) {
      if (transaction?.isActive()) await transaction.abort().catch(() => undefined);
      await this.discard(topic, partition);
      forgetCoordinators(this.options.kafka);
      const fenced = isProducerFenced(error);
      kafkaMetrics.transactions.inc({ group: this.options.groupId, outcome: fenced ? 'fenced' : 'failed' });
      throw new KafkaTransactionError(
        fenced ? KafkaErrorCode.producerFenced : KafkaErrorCode.transactionFailed,
        fenced
          ? `${topic}[${partition}]: another producer took over ${TransactionalProducers.transactionalId(this.options.groupId, topic, partition)}; transaction aborted`
          : `${topic}[${partition}]: transaction failed and was aborted: ${messageOf(error)}`,
        { cause: error },
      );
    }
    kafkaMetrics.transactions.inc({ group: this.options.groupId, outcome: 'committed' });
    kafkaMetrics.transactionDuration.observe((performance.now() - started) / 1000);
    const perTopic = new Map<string, number>();
    for (const record of records) perTopic.set(record.topic, (perTopic.get(record.topic) ?? 0) + 1);
    for (const [name, count] of perTopic) kafkaMetrics.published.inc({ topic: name }, count);
  }

  async discard(topic: string, partition: number): Promise<void> {
    const key = `${topic}|${partition}`;
    const entry = this.producers.get(key);
    if (!entry) return;
    this.producers.delete(key);
    await entry.producer
      .disconnect()
      .catch((error: unknown) =>
        this.log.warn(`disconnecting the producer of ${topic}[${partition}]: ${messageOf(error)}`),
      );
  }

  async close(): Promise<void> {
    const entries = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(entries.map((entry) => entry.producer.disconnect().catch(() => undefined)));
    const admin = this.admin;
    this.admin = undefined;
    this.adminConnected = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private async committedOffset(topic: string, partition: number): Promise<bigint> {
    if (!this.admin) this.admin = this.options.kafka.admin();
    const admin = this.admin;
    this.adminConnected ??= admin.connect().catch((error: unknown) => {
      this.adminConnected = undefined;
      throw error;
    });
    await this.adminConnected;
    const [offsets] = await admin.fetchOffsets({ groupId: this.options.groupId, topics: [topic] });
    const committed = offsets?.partitions.find((entry) => entry.partition === partition)?.offset ?? '-1';
    return BigInt(committed);
  }
}

/**
 * kafkajs retries CONCURRENT_TRANSACTIONS on AddPartitionsToTxn but not on AddOffsetsToTxn, which a
 * transaction with offsets only (e.g. a batch of ignored records) sends right after the previous
 * commit, while the broker is still writing its markers.
 */
async function retryConcurrentTransactions(work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await work();
      return;
    } catch (error) {
      if (kafkaErrorType(error) !== 'CONCURRENT_TRANSACTIONS' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, 5 * attempt)));
    }
  }
}

/** Splits records into produce requests of at most about `maxBytes` each, keeping their order. */
function requests(records: readonly StagedRecord[], maxBytes: number): TopicMessages[][] {
  const result: TopicMessages[][] = [];
  let current: { topic: string; messages: Message[] }[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordSize(record.message);
    if (bytes > 0 && bytes + size > maxBytes) {
      result.push(groupByTopic(current));
      current = [];
      bytes = 0;
    }
    current.push({ topic: record.topic, messages: [record.message] });
    bytes += size;
  }
  if (bytes > 0) result.push(groupByTopic(current));
  return result;
}
