// Before kafkajs: see the module.
import { kafkaJsEncoderTuning } from './kafkajs-encoder.js';
import { cacheCoordinators } from './kafkajs-coordinator-cache.js';
import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig, LogEntry, SASLOptions, logCreator } from 'kafkajs';

/** TLS and SASL to the brokers (KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SASL_*). */
export interface KafkaSecurity {
  readonly ssl: boolean;
  /** PEM of a private CA; the system's CAs otherwise. */
  readonly caFile?: string;
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly username: string;
    readonly password: string;
  };
}

export interface KafkaConnectionOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Connection timeout in ms; short by default so an unreachable broker is noticed fast. */
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly security?: KafkaSecurity;
}

/** kafkajs's `ssl` and `sasl` settings of our security options; nothing for a plaintext, unauthenticated broker. */
export function kafkaSecurityConfig(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (!security) return {};
  const ssl: KafkaConfig['ssl'] = security.ssl
    ? security.caFile
      ? { ca: [readFileSync(security.caFile, 'utf8')] }
      : true
    : undefined;
  const sasl: SASLOptions | undefined = security.sasl
    ? { mechanism: security.sasl.mechanism, username: security.sasl.username, password: security.sasl.password }
    : undefined;
  return { ...(ssl === undefined ? {} : { ssl }), ...(sasl === undefined ? {} : { sasl }) };
}

const logger = new Logger('kafkajs');

/**
 * Our publisher bounds the idempotent producer's retries on purpose (a request gives up and the
 * caller sees a 503 or a retry instead of waiting forever); the client's warning about it is noise.
 */
const SILENCED = ['Limiting retries for the idempotent producer'];

/**
 * A transactional producer taking over a partition gets CONCURRENT_TRANSACTIONS while the broker
 * completes the previous owner's transaction; the client retries it, as it should.
 */
const CONCURRENT_TRANSACTIONS =
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

const nestLogCreator: logCreator = () => (entry: LogEntry) => {
  const { message, ...extra } = entry.log;
  if (SILENCED.some((prefix) => message.startsWith(prefix))) return;
  if (extra.error === CONCURRENT_TRANSACTIONS || message.endsWith(CONCURRENT_TRANSACTIONS)) return;
  const text = `${entry.namespace}: ${message}`;
  const detail: Record<string, unknown> = {};
  for (const key of ['broker', 'groupId', 'topic', 'error', 'retryCount']) {
    if (extra[key] !== undefined) detail[key] = extra[key];
  }
  const line = Object.keys(detail).length > 0 ? `${text} ${JSON.stringify(detail)}` : text;
  if (entry.level === logLevel.ERROR) logger.error(line);
  else if (entry.level === logLevel.WARN) logger.warn(line);
};

let warnedAboutEncoder = false;

/**
 * The only place that constructs a kafkajs client for the services. Everything Kafka goes through
 * this library so that the client can be swapped without touching the services.
 */
export function createKafka(options: KafkaConnectionOptions): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  if (kafkaJsEncoderTuning !== 'full' && !warnedAboutEncoder) {
    warnedAboutEncoder = true;
    logger.warn(
      `kafkajs encoder buffers not pooled (${kafkaJsEncoderTuning}): kafkajs was loaded before this library, or its encoder changed`,
    );
  }
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30000,
    logLevel: logLevel.WARN,
    logCreator: nestLogCreator,
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
    ...kafkaSecurityConfig(options.security),
  };
  const kafka = new Kafka(config);
  cacheCoordinators(kafka);
  return kafka;
}

/** A comma-separated broker list (KAFKA_BROKERS), blanks ignored; nothing for an unset one. */
export function parseBrokers(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
}
