// Before kafkajs: see the module.
import './kafkajs-encoder.js';
import kafkajs, { type Admin, type IResourceConfig, type ITopicConfig } from 'kafkajs';
import { kafkaSecurityConfig } from './kafka.client.js';
import type { KafkaSecurity } from './kafka.client.js';

// kafkajs is CommonJS and Node detects only some of its exports as named ESM exports.
const { Kafka, logLevel, ConfigResourceTypes, ConfigSource } = kafkajs;

export interface TopicToEnsure {
  readonly name: string;
  readonly compacted: boolean;
  /** Carries personal data: kept no longer than `personalDataRetentionMs`. */
  readonly personalData?: boolean;
}

export interface EnsureTopicsOptions {
  brokers: string[];
  partitions: number;
  specs: readonly TopicToEnsure[];
  /** Further topics (dead-letter topics, test topics) created like the non-compacted specs. */
  extraTopics?: string[];
  /** Whether the extra topics carry personal data (dead-letter topics copy their source's records). */
  extraTopicsPersonalData?: boolean;
  /** retention.ms of the topics with personal data, new or existing; unset: the broker's default. */
  personalDataRetentionMs?: number;
  clientId?: string;
  security?: KafkaSecurity;
}

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
  /** Existing topics whose retention was changed to `personalDataRetentionMs`. */
  retentionSet: string[];
}

/** Replication never exceeds the broker count, so a single-node dev broker gets factor 1. */
const MAX_REPLICATION_FACTOR = 3;

/** kafkajs logs through console by default; infrastructure checks must stay silent. */
const silentLogCreator = () => (): void => undefined;

function quietAdmin(options: {
  brokers: string[];
  clientId: string;
  connectionTimeout: number;
  requestTimeout: number;
  retries: number;
  security?: KafkaSecurity | undefined;
}): Admin {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeout,
    requestTimeout: options.requestTimeout,
    retry: { retries: options.retries },
    logLevel: logLevel.NOTHING,
    logCreator: silentLogCreator,
    ...kafkaSecurityConfig(options.security),
  });
  return kafka.admin();
}

/**
 * Creates the topics that do not exist yet, so calling it again creates nothing. Compacted specs
 * get `cleanup.policy=compact`; topics with personal data get `retention.ms` when a retention is
 * given, and existing ones are brought to it (their other settings are kept).
 */
export async function ensureTopics(options: EnsureTopicsOptions): Promise<EnsureTopicsResult> {
  if (!Number.isInteger(options.partitions) || options.partitions < 1) {
    throw new Error(`ensureTopics: partitions must be a positive integer, got ${options.partitions}`);
  }
  const wanted = new Map<string, { compacted: boolean; personalData: boolean }>();
  for (const spec of options.specs)
    wanted.set(spec.name, { compacted: spec.compacted, personalData: spec.personalData === true });
  for (const name of options.extraTopics ?? []) {
    if (!wanted.has(name))
      wanted.set(name, { compacted: false, personalData: options.extraTopicsPersonalData === true });
  }
  const retentionMs = options.personalDataRetentionMs;

  const admin = quietAdmin({
    brokers: options.brokers,
    clientId: options.clientId ?? 'support-topic-admin',
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retries: 5,
    security: options.security,
  });
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    const replicationFactor = Math.max(1, Math.min(MAX_REPLICATION_FACTOR, cluster.brokers.length));
    const present = new Set(await admin.listTopics());

    const existing = [...wanted.keys()].filter((name) => present.has(name));
    const missing: ITopicConfig[] = [...wanted.entries()]
      .filter(([name]) => !present.has(name))
      .map(([name, { compacted, personalData }]) => ({
        topic: name,
        numPartitions: options.partitions,
        replicationFactor,
        configEntries: [
          // acks=all then waits for two copies on a three-broker cluster, and one broker may be down.
          { name: 'min.insync.replicas', value: String(Math.max(1, Math.min(2, replicationFactor - 1))) },
          ...(compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
          ...(personalData && retentionMs !== undefined ? [{ name: 'retention.ms', value: String(retentionMs) }] : []),
        ],
      }));

    if (missing.length > 0) {
      // Resolves false when another client created some of them meanwhile; they exist either way.
      // waitForLeaders is not used: its internal retry lets UNKNOWN_TOPIC_OR_PARTITION escape as an
      // unhandled rejection on a freshly created topic, which kills the process.
      await admin.createTopics({ topics: missing, waitForLeaders: false });
      await waitForLeaders(
        admin,
        missing.map((topic) => topic.topic),
        30_000,
      );
    }
    const retentionSet =
      retentionMs === undefined
        ? []
        : await bringRetentionTo(
            admin,
            existing.filter((name) => wanted.get(name)?.personalData === true),
            retentionMs,
          );
    return { created: missing.map((topic) => topic.topic), existing, retentionSet };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Sets retention.ms on existing topics that have another one. AlterConfigs replaces a topic's whole
 * dynamic configuration, so the topic's other dynamic settings are sent along unchanged.
 */
async function bringRetentionTo(admin: Admin, topics: readonly string[], retentionMs: number): Promise<string[]> {
  if (topics.length === 0) return [];
  const described = await admin.describeConfigs({
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    includeSynonyms: false,
  });
  const changes: IResourceConfig[] = [];
  for (const resource of described.resources) {
    const dynamic = resource.configEntries.filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG);
    if (dynamic.some((entry) => entry.configName === 'retention.ms' && entry.configValue === String(retentionMs)))
      continue;
    changes.push({
      type: ConfigResourceTypes.TOPIC,
      name: resource.resourceName,
      configEntries: [
        ...dynamic
          .filter((entry) => entry.configName !== 'retention.ms')
          .map((entry) => ({ name: entry.configName, value: entry.configValue })),
        { name: 'retention.ms', value: String(retentionMs) },
      ],
    });
  }
  if (changes.length > 0) await admin.alterConfigs({ validateOnly: false, resources: changes });
  return changes.map((change) => change.name);
}

/**
 * True when a broker of the list answers a metadata request within `timeoutMs`.
 * Never throws: an unreachable, refusing or hanging address is simply `false`.
 */
export async function kafkaAnswers(brokers: string[], timeoutMs: number, security?: KafkaSecurity): Promise<boolean> {
  if (brokers.length === 0) return false;
  const admin = quietAdmin({
    brokers,
    clientId: 'support-infra-probe',
    connectionTimeout: Math.max(100, Math.min(timeoutMs, 3_000)),
    requestTimeout: Math.max(100, timeoutMs),
    retries: 0,
    security,
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = (async (): Promise<boolean> => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  })().catch(() => false);
  try {
    return await Promise.race([probe, deadline]);
  } finally {
    if (timer) clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const ready =
        metadata.length === topics.length &&
        metadata.every(
          (topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0),
        );
      if (ready) return;
    } catch {
      // Metadata of a topic created a moment ago may not be there yet.
    }
    if (Date.now() > deadline) throw new Error(`topics without leaders after ${timeoutMs} ms: ${topics.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Right after a broker starts, its group and transaction coordinators are still loading and the
 * first clients log "coordinator is loading" errors while they retry. Asking each coordinator
 * once here makes the broker create and load `__consumer_offsets` and `__transaction_state`.
 * Resolves true when both answered within `timeoutMs`; never throws.
 */
export async function warmUpCoordinators(
  brokers: string[],
  timeoutMs: number,
  security?: KafkaSecurity,
): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'support-infra-warmup',
    brokers,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 },
    logLevel: logLevel.NOTHING,
    logCreator: silentLogCreator,
    ...kafkaSecurityConfig(security),
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    transactionalId: 'support-infra-warmup',
    idempotent: true,
    maxInFlightRequests: 1,
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const warmUp = (async (): Promise<boolean> => {
    await admin.connect();
    await admin.describeGroups(['support-infra-warmup']);
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.abort();
    return true;
  })().catch(() => false);
  try {
    return await Promise.race([warmUp, deadline]);
  } finally {
    if (timer) clearTimeout(timer);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
