import { randomUUID } from 'node:crypto';
import { createKafka, decodeHeaders } from '#kafka';
import type { KafkaTestClient, ReadRecord } from './kafka-test-client.js';
import { eventually } from './eventually.js';
import { testBrokers } from './test-env.js';

export type PartitionOffsets = { partition: number; offset: string }[];

/**
 * The next offset of every partition of a topic (where a consumer starting "at the end" begins).
 * Right after a topic is created the broker may not host its partitions for a moment: asked again.
 */
export async function topicEndOffsets(brokers: string[], topic: string): Promise<PartitionOffsets> {
  const admin = createKafka({ brokers, clientId: 'test-offsets' }).admin();
  await admin.connect();
  try {
    return await eventually(
      async () => (await admin.fetchTopicOffsets(topic)).map(({ partition, offset }) => ({ partition, offset })),
      {
        timeoutMs: 15_000,
        intervalMs: 250,
      },
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Commits offsets for a consumer group that has no member (a service that is not running): the
 * group then starts there, e.g. at the end to skip what earlier runs left, or back in time to
 * make it read records again. All topics in one short-lived membership: kafkajs' admin.setOffsets
 * does one topic at a time and waits a whole fetch (5 s) for each.
 */
export async function setGroupOffsetsForTopics(
  brokers: string[],
  groupId: string,
  offsets: ReadonlyMap<string, PartitionOffsets>,
): Promise<void> {
  const topics = [...offsets.keys()];
  if (topics.length === 0) return;
  const consumer = createKafka({ brokers, clientId: 'test-offsets' }).consumer({ groupId, maxWaitTimeInMs: 50 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    const description = await consumer.describeGroup();
    if (!['Empty', 'Dead'].includes(description.state))
      throw new Error(`group ${groupId} has running members (state ${description.state})`);
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => {
        consumer.stop().then(resolve, reject);
      });
      consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
      consumer.pause(topics.map((topic) => ({ topic })));
      for (const [topic, partitions] of offsets)
        for (const { partition, offset } of partitions) consumer.seek({ topic, partition, offset });
    });
  } finally {
    await consumer.disconnect();
  }
}

export async function setGroupOffsets(
  brokers: string[],
  groupId: string,
  topic: string,
  offsets: PartitionOffsets,
): Promise<void> {
  await setGroupOffsetsForTopics(brokers, groupId, new Map([[topic, offsets]]));
}

/** Starts the group at the current end of each topic. */
export async function startGroupAtEnd(brokers: string[], groupId: string, topics: readonly string[]): Promise<void> {
  const offsets = new Map<string, PartitionOffsets>();
  for (const topic of topics) offsets.set(topic, await topicEndOffsets(brokers, topic));
  await setGroupOffsetsForTopics(brokers, groupId, offsets);
}

export interface TopicTail {
  readonly records: ReadRecord[];
  stop(): Promise<void>;
}

/**
 * Collects what lands on the topics from now on (not their history, which a shared test broker
 * may hold by the hundred thousand), in a throwaway group: read_committed unless asked otherwise,
 * each record once (by position, should a fetch deliver one again).
 */
export async function tailTopics(
  client: KafkaTestClient,
  topics: string[],
  options: { readonly brokers?: string[]; readonly readUncommitted?: boolean } = {},
): Promise<TopicTail> {
  const groupId = `test-tail-${randomUUID()}`;
  await startGroupAtEnd(options.brokers ?? testBrokers(), groupId, topics);
  const seen = new Map<string, ReadRecord>();
  const consumer = client.kafka.consumer({
    groupId,
    maxWaitTimeInMs: 100,
    readUncommitted: options.readUncommitted ?? false,
  });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      seen.set(`${topic}|${partition}|${message.offset}`, {
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString('utf8') ?? null,
        value: message.value?.toString('utf8') ?? null,
        headers: decodeHeaders(message.headers),
        timestamp: message.timestamp,
      });
    },
  });
  return {
    get records(): ReadRecord[] {
      return [...seen.values()];
    },
    stop: () => consumer.disconnect(),
  };
}
