import kafkajs from 'kafkajs';
import { KafkaTestClient, testBrokers, uniqueSuffix } from '#testing';
import { ensureTopics } from './topic-admin.js';

const { ConfigResourceTypes, ConfigSource } = kafkajs;

describe(ensureTopics.name, () => {
  const suffix = uniqueSuffix();
  const personal = `test.admin.personal.${suffix}`;
  const compacted = `test.admin.compacted.${suffix}`;
  const plain = `test.admin.plain.${suffix}`;
  let client: KafkaTestClient;

  beforeAll(() => {
    client = new KafkaTestClient(testBrokers());
  });

  afterAll(async () => {
    await client?.close();
  });

  /** The topic's own settings (not the broker's defaults). */
  async function settingsOf(topic: string): Promise<Record<string, string>> {
    const admin = client.kafka.admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
        includeSynonyms: false,
      });
      const entries = described.resources[0]?.configEntries ?? [];
      return Object.fromEntries(
        entries
          .filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG)
          .map((entry) => [entry.configName, entry.configValue]),
      );
    } finally {
      await admin.disconnect();
    }
  }

  it('bounds the retention of topics with personal data, new and existing, and keeps their other settings', async () => {
    const specs = [
      { name: personal, compacted: false, personalData: true },
      { name: compacted, compacted: true, personalData: false },
      { name: plain, compacted: false },
    ];

    await ensureTopics({ brokers: testBrokers(), partitions: 1, specs, personalDataRetentionMs: 7 * 86_400_000 });
    const created = await settingsOf(personal);
    const again = await ensureTopics({
      brokers: testBrokers(),
      partitions: 1,
      specs,
      personalDataRetentionMs: 7 * 86_400_000,
    });
    const shortened = await ensureTopics({
      brokers: testBrokers(),
      partitions: 1,
      specs,
      personalDataRetentionMs: 3_600_000,
    });

    expect(created['retention.ms']).toBe(String(7 * 86_400_000));
    expect(again.retentionSet).toEqual([]);
    expect(shortened.retentionSet).toEqual([personal]);
    expect(await settingsOf(personal)).toEqual({ ...created, 'retention.ms': '3600000' });
    expect(created['min.insync.replicas']).toBeDefined();
    expect((await settingsOf(compacted))['retention.ms']).toBeUndefined();
    expect((await settingsOf(compacted))['cleanup.policy']).toBe('compact');
    expect((await settingsOf(plain))['retention.ms']).toBeUndefined();
  });
});
