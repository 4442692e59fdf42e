import { Controller } from '@nestjs/common';
import type { INestMicroservice } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { throwError } from 'rxjs';
import { Catch } from '@nestjs/common';
import type { RpcExceptionFilter } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { KafkaTestClient, eventually, testBrokers, uniqueSuffix } from '#testing';
import { ConsumerStatus } from './consumer-status.js';
import { EventPublisher } from './event-publisher.js';
import { KafkaErrorCode, KafkaPublishError, NonRetriableEventError } from './kafka.errors.js';
import { createKafka } from './kafka.client.js';
import type { KafkaEvent } from './kafka-event.js';
import { DeadLetterHeaders } from './dead-letter.js';
import { KafkaConsumerServer } from './kafka-consumer.server.js';
import { ensureTopics } from './topic-admin.js';

const suffix = uniqueSuffix();
const SINGLE = `test.consumer.single.${suffix}`;
const BATCH = `test.consumer.batch.${suffix}`;
const GROUP = `test-consumer-${suffix}`;

interface Command {
  id: string;
  failTimes?: number;
  poison?: boolean;
  invalid?: boolean;
  /** Fails this many times as if the broker or the database were down. */
  outageTimes?: number;
}

/** What the handlers saw, shared with the test. */
const seen = { single: [] as string[], batches: [] as string[][], attempts: new Map<string, number>() };

@Controller()
class ProbeHandlers {
  @EventPattern<Record<string, KafkaEvent<Command>>>(SINGLE)
  async single(@Payload() event: KafkaEvent<Command>): Promise<void> {
    const command = event.value;
    const attempt = (seen.attempts.get(command.id) ?? 0) + 1;
    seen.attempts.set(command.id, attempt);
    if (command.invalid) throw new NonRetriableEventError('PROBE_INVALID', `command ${command.id} is invalid`);
    if (command.poison) throw new Error(`command ${command.id} always fails`);
    if (command.failTimes !== undefined && attempt <= command.failTimes)
      throw new Error(`transient failure ${attempt}`);
    if (command.outageTimes !== undefined && attempt <= command.outageTimes) {
      throw new KafkaPublishError(
        KafkaErrorCode.unavailable,
        `Kafka write failed: Connection error: connect ECONNREFUSED (${attempt})`,
      );
    }
    seen.single.push(command.id);
    await Promise.resolve();
  }

  @EventPattern<Record<string, KafkaEvent<Command>[]>>(BATCH, { batch: true })
  async batch(@Payload() events: KafkaEvent<Command>[]): Promise<void> {
    if (events.some((event) => event.value.poison)) throw new Error('batch holds a poison record');
    seen.batches.push(events.map((event) => event.value.id));
    await Promise.resolve();
  }
}

@Catch()
class PassThrough implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

@Module({ controllers: [ProbeHandlers] })
class ProbeModule {}

describe(KafkaConsumerServer.name, () => {
  let app: INestMicroservice;
  let client: KafkaTestClient;
  let publisher: EventPublisher;
  const status = new ConsumerStatus();
  const fatal: Error[] = [];
  let dlq: Awaited<ReturnType<KafkaTestClient['collect']>>;

  beforeAll(async () => {
    const brokers = testBrokers();
    await ensureTopics({ brokers, partitions: 1, specs: [], extraTopics: [SINGLE, BATCH] });
    const kafka = createKafka({ brokers, clientId: `probe-${suffix}` });
    publisher = new EventPublisher(kafka, { source: '/tests' });
    client = new KafkaTestClient(brokers);
    const sut = new KafkaConsumerServer({
      kafka,
      groupId: GROUP,
      publisher,
      status,
      onFatal: (error) => fatal.push(error),
      ensureTopics: async (topics) => {
        await ensureTopics({ brokers, partitions: 1, specs: [], extraTopics: topics });
      },
      maxAttempts: 3,
      retryBackoffMs: 20,
    });
    app = await NestFactory.createMicroservice(ProbeModule, { strategy: sut, logger: false });
    app.useGlobalFilters(new PassThrough());
    await app.listen();
    dlq = await client.collect([`${SINGLE}.${GROUP}.dlq`, `${BATCH}.${GROUP}.dlq`]);
  });

  afterAll(async () => {
    await app?.close();
    await publisher?.close();
    await client?.close();
  });

  const command = (value: Command): { key: string; value: string } => ({ key: value.id, value: JSON.stringify(value) });

  it('reports itself running once it has joined its group', async () => {
    await eventually(() => expect(status.state).toBe('running'));
  });

  it('moves invalid JSON to the DLQ at once, with the reason, and handles the record behind it', async () => {
    await client.produce(SINGLE, [{ key: 'broken', value: '{"id": ' }, command({ id: 'after-broken' })]);

    await eventually(() => expect(seen.single).toContain('after-broken'));
    const dead = await eventually(() => {
      const found = dlq.find((record) => record.key === 'broken');
      if (!found) throw new Error('not dead-lettered yet');
      return found;
    });
    expect(dead.topic).toBe(`${SINGLE}.${GROUP}.dlq`);
    expect(dead.value).toBe('{"id": ');
    expect(dead.headers[DeadLetterHeaders.code]).toBe('INVALID_JSON');
    expect(dead.headers[DeadLetterHeaders.attempts]).toBe('1');
    expect(dead.headers[DeadLetterHeaders.topic]).toBe(SINGLE);
    expect(dead.headers[DeadLetterHeaders.partition]).toBe('0');
    expect(dead.headers[DeadLetterHeaders.offset]).toMatch(/^\d+$/);
  });

  it('retries a transient failure and handles the record exactly once', async () => {
    await client.produce(SINGLE, [command({ id: 'flaky', failTimes: 2 })]);

    await eventually(() => expect(seen.single).toContain('flaky'));
    expect(seen.attempts.get('flaky')).toBe(3);
    expect(seen.single.filter((id) => id === 'flaky')).toHaveLength(1);
    expect(dlq.some((record) => record.key === 'flaky')).toBe(false);
  });

  it('waits out an unavailable dependency beyond the bounded attempts: the record is handled, not dead-lettered', async () => {
    await client.produce(SINGLE, [command({ id: 'outage', outageTimes: 5 })]);

    await eventually(() => expect(seen.single).toContain('outage'), { timeoutMs: 30_000 });
    expect(seen.attempts.get('outage')).toBe(6);
    expect(dlq.some((record) => record.key === 'outage')).toBe(false);
  });

  it('dead-letters a poison record after the bounded attempts and does not block its partition', async () => {
    await client.produce(SINGLE, [command({ id: 'poison', poison: true }), command({ id: 'after-poison' })]);

    await eventually(() => expect(seen.single).toContain('after-poison'));
    const dead = dlq.find((record) => record.key === 'poison');
    expect(dead?.headers[DeadLetterHeaders.attempts]).toBe('3');
    expect(dead?.headers[DeadLetterHeaders.code]).toBe('HANDLER_FAILED');
    expect(dead?.headers[DeadLetterHeaders.message]).toBe('command poison always fails');
    expect(seen.attempts.get('poison')).toBe(3);
  });

  it('dead-letters a non-retriable failure after one attempt, with its own code', async () => {
    await client.produce(SINGLE, [command({ id: 'invalid', invalid: true })]);

    const dead = await eventually(() => {
      const found = dlq.find((record) => record.key === 'invalid');
      if (!found) throw new Error('not dead-lettered yet');
      return found;
    });
    expect(dead.headers[DeadLetterHeaders.code]).toBe('PROBE_INVALID');
    expect(dead.headers[DeadLetterHeaders.attempts]).toBe('1');
    expect(seen.attempts.get('invalid')).toBe(1);
  });

  it('hands batches to batch handlers and isolates a poison record of a batch', async () => {
    await client.produce(BATCH, [command({ id: 'b1' }), command({ id: 'b2', poison: true }), command({ id: 'b3' })]);

    await eventually(() => {
      const handled = seen.batches.flat();
      expect(handled).toEqual(expect.arrayContaining(['b1', 'b3']));
      expect(dlq.some((record) => record.key === 'b2' && record.topic === `${BATCH}.${GROUP}.dlq`)).toBe(true);
    });
    expect(seen.batches.flat()).not.toContain('b2');
  });

  it('commits the offsets of everything handled or dead-lettered', async () => {
    const admin = client.kafka.admin();
    await admin.connect();
    try {
      await eventually(async () => {
        const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [SINGLE] });
        const [end] = await admin.fetchTopicOffsets(SINGLE);
        expect(committed?.partitions[0]?.offset).toBe(end?.high);
      });
    } finally {
      await admin.disconnect();
    }
    expect(fatal).toEqual([]);
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
});
