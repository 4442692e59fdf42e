import { Catch, Controller, Module } from '@nestjs/common';
import type { INestMicroservice, RpcExceptionFilter } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import type { TopicName } from '#contracts';
import { KafkaTestClient, eventually, testBrokers, uniqueSuffix } from '#testing';
import type { ReadRecord } from '#testing';
import { ConsumerStatus } from './consumer-status.js';
import { EventPublisher } from './event-publisher.js';
import { NonRetriableEventError } from './kafka.errors.js';
import { createKafka } from './kafka.client.js';
import { KafkaEventContext } from './kafka-event.js';
import type { KafkaEvent, KafkaHandlerOptions } from './kafka-event.js';
import { DeadLetterHeaders } from './dead-letter.js';
import { KafkaConsumerServer } from './kafka-consumer.server.js';
import { kafkaMetrics } from './kafka.metrics.js';
import { TransactionalProducers } from './transactional-producers.js';
import { ensureTopics } from './topic-admin.js';

const suffix = uniqueSuffix();
const SINGLE = `test.tx.single.${suffix}`;
const BATCH = `test.tx.batch.${suffix}`;
// Test topics are not in the contract catalogue: events sent there name their CloudEvents type.
const OUT = `test.tx.out.${suffix}` as TopicName;
const GROUP = `test-tx-${suffix}`;
const PARTITIONS = 2;

interface Command {
  id: string;
  failTimes?: number;
  poison?: boolean;
  invalid?: boolean;
  silent?: boolean;
  fenceOnce?: boolean;
}

/** What the handlers saw, shared with the test. */
const seen = { attempts: new Map<string, number>(), fenced: new Set<string>() };
let brokers: string[] = [];

async function fenceProducerOf(topic: string, partition: number): Promise<void> {
  const kafka = createKafka({ brokers, clientId: `fencer-${suffix}` });
  const fencer = kafka.producer({
    transactionalId: TransactionalProducers.transactionalId(GROUP, topic, partition),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await fencer.connect();
  const transaction = await fencer.transaction();
  await transaction.abort();
  await fencer.disconnect();
}

async function handle(event: KafkaEvent<Command>, context: KafkaEventContext): Promise<void> {
  const command = event.value;
  const attempt = (seen.attempts.get(command.id) ?? 0) + 1;
  seen.attempts.set(command.id, attempt);
  if (command.invalid) throw new NonRetriableEventError('PROBE_INVALID', `command ${command.id} is invalid`);
  if (command.poison) throw new Error(`command ${command.id} always fails`);
  if (command.failTimes !== undefined && attempt <= command.failTimes) throw new Error(`transient failure ${attempt}`);
  if (command.fenceOnce && !seen.fenced.has(command.id)) {
    seen.fenced.add(command.id);
    await fenceProducerOf(event.topic, event.partition);
  }
  if (command.silent) return;
  await context.publisher.publishAll([
    {
      topic: OUT,
      event: {
        key: command.id,
        id: `out-${command.id}`,
        type: 'test.output.v1',
        payload: { from: command.id, topic: event.topic },
      },
    },
  ]);
}

@Controller()
class TransactionalHandlers {
  @EventPattern<string>(SINGLE, { transactional: true } satisfies KafkaHandlerOptions)
  async single(@Payload() event: KafkaEvent<Command>, @Ctx() context: KafkaEventContext): Promise<void> {
    await handle(event, context);
  }

  @EventPattern<string>(BATCH, { transactional: true, batch: true } satisfies KafkaHandlerOptions)
  async batch(@Payload() events: KafkaEvent<Command>[], @Ctx() context: KafkaEventContext): Promise<void> {
    for (const event of events) await handle(event, context);
  }
}

@Catch()
class PassThrough implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

@Module({ controllers: [TransactionalHandlers] })
class TransactionalModule {}

describe(`${KafkaConsumerServer.name} with transactional handlers`, () => {
  let app: INestMicroservice;
  let client: KafkaTestClient;
  let publisher: EventPublisher;
  const status = new ConsumerStatus();
  const fatal: Error[] = [];
  let committedView: ReadRecord[];
  let dlq: ReadRecord[];

  beforeAll(async () => {
    brokers = testBrokers();
    await ensureTopics({ brokers, partitions: PARTITIONS, specs: [], extraTopics: [SINGLE, BATCH, OUT] });
    const kafka = createKafka({ brokers, clientId: `tx-probe-${suffix}` });
    publisher = new EventPublisher(kafka, { source: '/tests' });
    client = new KafkaTestClient(brokers);
    const sut = new KafkaConsumerServer({
      kafka,
      groupId: GROUP,
      publisher,
      status,
      onFatal: (error) => fatal.push(error),
      ensureTopics: async (topics) => {
        await ensureTopics({ brokers, partitions: PARTITIONS, specs: [], extraTopics: topics });
      },
      maxAttempts: 3,
      retryBackoffMs: 20,
      // Several slices of a batch handler in one transaction.
      maxBatchRecords: 2,
    });
    app = await NestFactory.createMicroservice(TransactionalModule, { strategy: sut, logger: false });
    app.useGlobalFilters(new PassThrough());
    await app.listen();
    // KafkaTestClient reads read_committed, as every consumer of this system does.
    committedView = await client.collect([OUT]);
    dlq = await client.collect([`${SINGLE}.${GROUP}.dlq`, `${BATCH}.${GROUP}.dlq`]);
  });

  afterAll(async () => {
    await app?.close();
    await publisher?.close();
    await client?.close();
  });

  const command = (value: Command): { key: string; value: string } => ({ key: value.id, value: JSON.stringify(value) });
  const outputsOf = (id: string): ReadRecord[] => committedView.filter((record) => record.key === id);

  it('publishes each input exactly once, with its CloudEvents envelope, through the transaction', async () => {
    const ids = Array.from({ length: 40 }, (_, index) => `plain-${index}`);
    await client.produce(
      SINGLE,
      ids.map((id) => command({ id })),
    );

    await eventually(() => expect(ids.filter((id) => outputsOf(id).length === 1)).toHaveLength(ids.length));
    const [first] = outputsOf('plain-0');
    expect(first?.headers).toMatchObject({
      ce_id: 'out-plain-0',
      ce_source: '/tests',
      ce_type: 'test.output.v1',
      ce_subject: 'plain-0',
    });
    expect(JSON.parse(first?.value ?? 'null')).toEqual({ from: 'plain-0', topic: SINGLE });
  });

  it('retries a transient failure and commits its output once', async () => {
    await client.produce(SINGLE, [command({ id: 'flaky', failTimes: 2 })]);

    await eventually(() => expect(outputsOf('flaky')).toHaveLength(1));
    expect(seen.attempts.get('flaky')).toBe(3);
  });

  it('dead-letters a poison record in the same transaction as the outputs around it, without blocking its partition', async () => {
    await client.produce(SINGLE, [
      { ...command({ id: 'before-poison' }), partition: 0 },
      { ...command({ id: 'poison', poison: true }), partition: 0 },
      { ...command({ id: 'after-poison' }), partition: 0 },
    ]);

    await eventually(() => {
      expect(outputsOf('before-poison')).toHaveLength(1);
      expect(outputsOf('after-poison')).toHaveLength(1);
      expect(dlq.filter((record) => record.key === 'poison')).toHaveLength(1);
    });
    const dead = dlq.find((record) => record.key === 'poison');
    expect(dead?.headers[DeadLetterHeaders.attempts]).toBe('3');
    expect(dead?.headers[DeadLetterHeaders.code]).toBe('HANDLER_FAILED');
    expect(dead?.headers[DeadLetterHeaders.topic]).toBe(SINGLE);
    expect(outputsOf('poison')).toEqual([]);
  });

  it('dead-letters invalid JSON and non-retriable failures at once', async () => {
    await client.produce(SINGLE, [
      { key: 'broken', value: '{"id": ', partition: 1 },
      { ...command({ id: 'invalid', invalid: true }), partition: 1 },
      { ...command({ id: 'after-invalid' }), partition: 1 },
    ]);

    await eventually(() => {
      expect(outputsOf('after-invalid')).toHaveLength(1);
      expect(dlq.find((record) => record.key === 'broken')?.headers[DeadLetterHeaders.code]).toBe('INVALID_JSON');
      expect(dlq.find((record) => record.key === 'invalid')?.headers[DeadLetterHeaders.code]).toBe('PROBE_INVALID');
    });
    expect(seen.attempts.get('invalid')).toBe(1);
  });

  it('isolates a poison record of a batch handler: the rest of the batch commits once', async () => {
    await client.produce(BATCH, [
      { ...command({ id: 'b1' }), partition: 0 },
      { ...command({ id: 'b2', poison: true }), partition: 0 },
      { ...command({ id: 'b3' }), partition: 0 },
    ]);

    await eventually(() => {
      expect(outputsOf('b1')).toHaveLength(1);
      expect(outputsOf('b3')).toHaveLength(1);
      expect(dlq.filter((record) => record.key === 'b2' && record.topic === `${BATCH}.${GROUP}.dlq`)).toHaveLength(1);
    });
    expect(outputsOf('b2')).toEqual([]);
  });

  it('commits the offsets of batches that publish nothing', async () => {
    await client.produce(BATCH, [{ ...command({ id: 'silent-1', silent: true }), partition: 1 }]);
    await client.produce(BATCH, [{ ...command({ id: 'silent-2', silent: true }), partition: 1 }]);

    await expectCommittedToEnd(BATCH);
  });

  it('aborts the transaction of a fenced producer and handles the batch again with a new one, without duplicates', async () => {
    const fencedBefore = await counterValue('fenced');
    await client.produce(SINGLE, [
      { ...command({ id: 'fence-a' }), partition: 0 },
      { ...command({ id: 'fence-b', fenceOnce: true }), partition: 0 },
      { ...command({ id: 'fence-c' }), partition: 0 },
    ]);
    await client.produce(SINGLE, [{ ...command({ id: 'after-fence' }), partition: 0 }]);

    await eventually(() => {
      for (const id of ['fence-a', 'fence-b', 'fence-c', 'after-fence']) expect(outputsOf(id)).toHaveLength(1);
    });
    expect(await counterValue('fenced')).toBeGreaterThan(fencedBefore);
    expect(seen.attempts.get('fence-b')).toBe(2);
  });

  it('commits the offsets of everything handled or dead-lettered, through the transactions', async () => {
    await expectCommittedToEnd(SINGLE);
    await expectCommittedToEnd(BATCH);
    expect(await counterValue('committed')).toBeGreaterThan(0);
    expect(fatal).toEqual([]);
    expect(status.state).toBe('running');
  });

  it('leaves its group on close', async () => {
    await app.close();

    expect(status.state).toBe('stopped');
    const admin = client.kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([GROUP]);
      expect(groups[0]?.members).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  async function expectCommittedToEnd(topic: string): Promise<void> {
    const admin = client.kafka.admin();
    await admin.connect();
    try {
      await eventually(async () => {
        const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [topic] });
        const ends = await admin.fetchTopicOffsets(topic);
        for (const end of ends) {
          expect(committed?.partitions.find((entry) => entry.partition === end.partition)?.offset).toBe(end.high);
        }
      });
    } finally {
      await admin.disconnect();
    }
  }
});

async function counterValue(outcome: string): Promise<number> {
  const metric = await kafkaMetrics.transactions.get();
  return metric.values
    .filter((value) => value.labels.group === GROUP && value.labels.outcome === outcome)
    .reduce((sum, value) => sum + value.value, 0);
}
