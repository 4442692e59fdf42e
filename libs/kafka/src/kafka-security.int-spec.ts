import { randomUUID } from 'node:crypto';
import { DEVELOPMENT } from '#platform';
import { uniqueSuffix } from '#testing';
import { createKafka } from './kafka.client.js';
import type { KafkaSecurity } from './kafka.client.js';
import { ensureTopics } from './topic-admin.js';

const saslBrokers = (process.env.KAFKA_SASL_TEST_BROKERS ?? '').split(',').filter((broker) => broker !== '');
// Only the local test broker has a SCRAM listener (CI always starts it); external brokers given by KAFKA_BROKERS need not.
const describeWithScram = saslBrokers.length > 0 ? describe : describe.skip;

const scram = (
  mechanism: 'scram-sha-256' | 'scram-sha-512',
  password: string = DEVELOPMENT.kafkaScram.password,
): KafkaSecurity => ({
  ssl: false,
  sasl: { mechanism, username: DEVELOPMENT.kafkaScram.username, password },
});

describeWithScram('Kafka with SASL/SCRAM (KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD)', () => {
  const topic = `test.sasl.${uniqueSuffix()}`;

  beforeAll(async () => {
    await ensureTopics({
      brokers: saslBrokers,
      partitions: 1,
      specs: [],
      extraTopics: [topic],
      security: scram('scram-sha-256'),
    });
  });

  test.each(['scram-sha-256', 'scram-sha-512'] as const)(
    'produces and consumes as an authenticated user with %s',
    async (mechanism) => {
      const kafka = createKafka({ brokers: saslBrokers, clientId: `sasl-${mechanism}`, security: scram(mechanism) });
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      const consumer = kafka.consumer({ groupId: `sasl-${randomUUID()}`, maxWaitTimeInMs: 100 });
      const marker = randomUUID();
      try {
        await producer.connect();
        await producer.send({ topic, acks: -1, messages: [{ key: marker, value: mechanism }] });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const received = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no record within 15 s')), 15_000);
          void consumer.run({
            eachMessage: async ({ message }) => {
              if (message.key?.toString() !== marker) return;
              clearTimeout(timer);
              resolve(message.value?.toString() ?? '');
            },
          });
        });
        expect(received).toBe(mechanism);
      } finally {
        await consumer.disconnect();
        await producer.disconnect();
      }
    },
  );

  it('is refused with a wrong password', async () => {
    const admin = createKafka({
      brokers: saslBrokers,
      clientId: 'sasl-wrong',
      security: scram('scram-sha-256', 'not-the-password'),
      requestTimeoutMs: 5_000,
    }).admin();

    const failure = await admin.connect().then(
      () => undefined,
      (error: unknown) => error,
    );
    await admin.disconnect();

    expect(String(failure)).toMatch(/SASL SCRAM SHA256 authentication failed|authentication/i);
  });
});
