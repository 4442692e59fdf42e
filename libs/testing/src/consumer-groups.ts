import { randomUUID } from 'node:crypto';
import { createKafka, decodeHeaders } from '#kafka';
import type { KafkaTestClient, ReadRecord } from './kafka-test-client.js';
import { testBrokers } from './test-env.js';

export type PartitionOffsets = { partition: number; offset: string }[];

/** The next offset of every partition of a topic (where a consumer starting "at the end" begins). */
export async function topicEndOffsets(brokers: string[], topic: string): Promise<PartitionOffsets> {
  const admin = createKafka({ brokers, clientId: 'test-offsets' }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map(({ partition, offset }) => ({ partition, offset }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Commits offsets for a consumer group that has no member (a service that is not running): the
 * group then starts there, e.g. at the end to skip what earlier runs left, or back in time to
 * make it read records again.
 */
export async function setGroupOffsets(brokers: string[], groupId: string, topic: string, offsets: PartitionOffsets): Promise<void> {
  const admin = createKafka({ brokers, clientId: 'test-offsets' }).admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId, topic, partitions: offsets });
  } finally {
    await admin.disconnect();
  }
}

/** Starts the group at the current end of each topic. */
export async function startGroupAtEnd(brokers: string[], groupId: string, topics: readonly string[]): Promise<void> {
  for (const topic of topics) await setGroupOffsets(brokers, groupId, topic, await topicEndOffsets(brokers, topic));
}

export interface TopicTail {
  readonly records: ReadRecord[];
  stop(): Promise<void>;
}

/**
 * Collects what lands on the topics from now on (not their history, which a shared test broker
 * may hold by the hundred thousand), in a throwaway group.
 */
export async function tailTopics(client: KafkaTestClient, topics: string[], brokers: string[] = testBrokers()): Promise<TopicTail> {
  const groupId = `test-tail-${randomUUID()}`;
  await startGroupAtEnd(brokers, groupId, topics);
  const records: ReadRecord[] = [];
  const consumer = client.kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      records.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString('utf8') ?? null,
        value: message.value?.toString('utf8') ?? null,
        headers: decodeHeaders(message.headers),
      });
    },
  });
  return { records, stop: () => consumer.disconnect() };
}
