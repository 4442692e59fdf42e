import { KafkaTestClient, eventually, testBrokers, uniqueSuffix } from '#testing';
import { createKafka } from './kafka.client.js';
import { KafkaErrorCode, KafkaTransactionError } from './kafka.errors.js';
import type { StagedRecord } from './transaction-scope.js';
import { TransactionalProducers } from './transactional-producers.js';
import { ensureTopics } from './topic-admin.js';

const suffix = uniqueSuffix();
const INPUT = `test.txp.in.${suffix}`;
const OUTPUT = `test.txp.out.${suffix}`;

const staged = (value: string): StagedRecord => ({ topic: OUTPUT, message: { key: value, value } });

describe(TransactionalProducers.name, () => {
  let client: KafkaTestClient;
  const owners: TransactionalProducers[] = [];

  beforeAll(async () => {
    await ensureTopics({ brokers: testBrokers(), partitions: 1, specs: [], extraTopics: [INPUT, OUTPUT] });
    client = new KafkaTestClient(testBrokers());
  });

  afterAll(async () => {
    await Promise.all(owners.map((owner) => owner.close()));
    await client?.close();
  });

  function owner(groupId: string): TransactionalProducers {
    const created = new TransactionalProducers({
      kafka: createKafka({ brokers: testBrokers(), clientId: `txp-${suffix}` }),
      groupId,
    });
    owners.push(created);
    return created;
  }

  async function committedOffset(groupId: string): Promise<string | undefined> {
    const admin = client.kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [INPUT] });
      return offsets?.partitions[0]?.offset;
    } finally {
      await admin.disconnect();
    }
  }

  it('commits back-to-back transactions that carry only offsets', async () => {
    // kafkajs retries CONCURRENT_TRANSACTIONS on AddPartitionsToTxn but not on AddOffsetsToTxn,
    // which the broker answers while it still writes the previous transaction's markers.
    const groupId = `txp-offsets-${suffix}`;
    const sut = owner(groupId);
    await sut.prepare(INPUT, 0);

    for (let offset = 1; offset <= 15; offset += 1) await sut.commit(INPUT, 0, [], String(offset));

    expect(await committedOffset(groupId)).toBe('15');
  });

  it('reads the committed offset once it has fenced the previous owner, so records committed by that owner are skipped', async () => {
    const groupId = `txp-handover-${suffix}`;
    const previous = owner(groupId);
    await previous.prepare(INPUT, 0);
    await previous.commit(INPUT, 0, [staged('handed-over')], '7');

    const sut = owner(groupId);

    expect(await sut.prepare(INPUT, 0)).toBe(7n);
    expect(await sut.prepare(INPUT, 0)).toBeUndefined();
  });

  it('lets a new owner fence the previous one: its transaction fails and nothing of it becomes visible', async () => {
    const groupId = `txp-fencing-${suffix}`;
    const committed = await client.collect([OUTPUT]);
    const zombie = owner(groupId);
    await zombie.prepare(INPUT, 0);
    const sut = owner(groupId);
    await sut.prepare(INPUT, 0);

    const zombieCommit = zombie.commit(INPUT, 0, [staged('from-the-zombie')], '3');

    await expect(zombieCommit).rejects.toThrow(KafkaTransactionError);
    await expect(zombieCommit).rejects.toMatchObject({ code: KafkaErrorCode.producerFenced });
    await sut.commit(INPUT, 0, [staged('from-the-owner')], '3');
    await eventually(() => expect(committed.map((record) => record.key)).toContain('from-the-owner'));
    expect(committed.map((record) => record.key)).not.toContain('from-the-zombie');
    expect(await committedOffset(groupId)).toBe('3');
  });

  it('needs one producer per partition: a kafkajs producer holds one transaction at a time', async () => {
    const kafka = createKafka({ brokers: testBrokers(), clientId: `txp-${suffix}` });
    const producer = kafka.producer({
      transactionalId: `txp-single-${suffix}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const first = await producer.transaction();

      await expect(producer.transaction()).rejects.toThrow('There is already an ongoing transaction for this producer');
      await first.abort();
    } finally {
      await producer.disconnect();
    }
  });
});
