import { randomUUID } from 'node:crypto';
import { KafkaTestClient, eventually, testBrokers, uniqueSuffix } from '#testing';
import { EventPublisher } from './event-publisher.js';
import { createKafka } from './kafka.client.js';
import { KafkaErrorCode } from './kafka.errors.js';

const suffix = uniqueSuffix();
/** Acknowledged records (tickets). */
const TICKETS = `test.publisher.tickets.${suffix}`;
/** A topic that refuses records over 1 KiB: the stand-in for any record the broker refuses. */
const STRICT = `test.publisher.strict.${suffix}`;

const record = (id: string, size = 16): { key: string; value: string; headers: Record<string, string> } => ({
  key: 'one-partition',
  value: 'x'.repeat(size),
  headers: { ce_id: id },
});

describe(`${EventPublisher.name} against the broker`, () => {
  let client: KafkaTestClient;
  let sut: EventPublisher;

  beforeAll(async () => {
    client = new KafkaTestClient(testBrokers());
    const admin = client.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: TICKETS, numPartitions: 1, replicationFactor: 1 },
          {
            topic: STRICT,
            numPartitions: 1,
            replicationFactor: 1,
            configEntries: [{ name: 'max.message.bytes', value: '1024' }],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    // Long enough a linger for the two calls below to share one produce request.
    sut = new EventPublisher(createKafka({ brokers: testBrokers(), clientId: `publisher-${suffix}` }), {
      source: '/test',
      lingerMs: 50,
      sendTimeoutMs: 10_000,
    });
  });

  afterAll(async () => {
    await sut?.close();
    await client?.close();
  });

  it('writes every acknowledged record when the broker refuses another record of the same request, and the next one too', async () => {
    const first = randomUUID();
    const refused = randomUUID();
    const next = randomUUID();

    // One produce request for both: the broker appends `first` and refuses the other. kafkajs then
    // rolls back the sequence numbers of both partitions; a producer reused after that sends `next`
    // with `first`'s sequence number, and the broker takes it for a duplicate: acknowledged, not written.
    const shared = await Promise.allSettled([
      sut.publishRaw(TICKETS, record(first)),
      sut.publishRaw(STRICT, record(refused, 4_096)),
    ]);
    const later = await sut.publishRaw(TICKETS, record(next)).then(
      () => 'written',
      (error: unknown) => error,
    );

    const seen = await client.collect([TICKETS, STRICT]);
    await eventually(
      () => {
        const ids = seen.filter((item) => item.topic === TICKETS).map((item) => item.headers.ce_id);
        expect(ids).toContain(first);
        expect(ids).toContain(next);
      },
      { timeoutMs: 15_000 },
    );
    expect(shared[0]).toMatchObject({ status: 'fulfilled' });
    expect(shared[1]).toMatchObject({ status: 'rejected', reason: { code: KafkaErrorCode.recordRefused } });
    expect(later).toBe('written');
    expect(seen.filter((item) => item.topic === STRICT)).toEqual([]);
  });
});
