import { Catch, Controller, Module } from '@nestjs/common';
import type { INestMicroservice, RpcExceptionFilter } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { KafkaTestClient, eventually, testBrokers, uniqueSuffix } from '#testing';
import { ConsumerStatus } from './consumer-status.js';
import { EventPublisher } from './event-publisher.js';
import { createKafka } from './kafka.client.js';
import { KafkaConsumerServer } from './kafka-consumer.server.js';
import { ensureTopics } from './topic-admin.js';

const suffix = uniqueSuffix();
const TOPIC = `test.consumer.crash.${suffix}`;
const GROUP = `test-crash-${suffix}`;

@Controller()
class AlwaysFailing {
  @EventPattern<Record<string, unknown>>(TOPIC)
  async handle(@Payload() _event: unknown): Promise<void> {
    await Promise.reject(new Error('cannot be handled'));
  }
}

@Catch()
class PassThrough implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

@Module({ controllers: [AlwaysFailing] })
class CrashModule {}

describe(`${KafkaConsumerServer.name} when it cannot go on`, () => {
  let app: INestMicroservice;
  let client: KafkaTestClient;

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await client?.close();
  });

  it('reports crashed and calls onFatal instead of idling, and does not commit the unhandled record', async () => {
    const brokers = testBrokers();
    await ensureTopics({ brokers, partitions: 1, specs: [], extraTopics: [TOPIC] });
    const kafka = createKafka({ brokers, clientId: `crash-${suffix}` });
    // A closed publisher cannot write the dead letter: the record can neither be handled nor parked.
    const publisher = new EventPublisher(kafka, { source: '/tests' });
    await publisher.close();
    const status = new ConsumerStatus();
    const fatal: Error[] = [];
    const sut = new KafkaConsumerServer({
      kafka,
      groupId: GROUP,
      publisher,
      status,
      onFatal: (error) => fatal.push(error),
      ensureTopics: async (topics) => {
        await ensureTopics({ brokers, partitions: 1, specs: [], extraTopics: topics });
      },
      maxAttempts: 1,
      maxRestarts: 0,
    });
    app = await NestFactory.createMicroservice(CrashModule, { strategy: sut, logger: false });
    app.useGlobalFilters(new PassThrough());
    await app.listen();
    client = new KafkaTestClient(brokers);

    await client.produce(TOPIC, [{ key: 'k', value: '{"n":1}' }]);

    await eventually(() => expect(fatal).toHaveLength(1), { timeoutMs: 30_000 });
    expect(status.state).toBe('crashed');
    expect(status.isReady(true)).toBe(false);
    const admin = client.kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
      expect(offsets?.partitions[0]?.offset).toBe('-1');
    } finally {
      await admin.disconnect();
    }
  });
});
