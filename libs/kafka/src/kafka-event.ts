import { BaseRpcContext } from '@nestjs/microservices';
import { fromCloudEventHeaders } from '#contracts';
import type { CloudEventAttributes } from '#contracts';
import type { EventSink } from './event-publisher.js';

/** One consumed record as handlers see it. */
export interface KafkaEvent<V = unknown> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  /** The parsed JSON value, the raw text when the handler asked for raw values, null for a tombstone. */
  readonly value: V;
  readonly rawValue: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly cloudEvent: Partial<CloudEventAttributes>;
  /** Broker timestamp (ms since epoch) as a string. */
  readonly timestamp: string;
}

/** Options a handler gives through `@EventPattern(topic, options)`. */
export interface KafkaHandlerOptions {
  /** Receive all records of a fetched partition batch at once (`KafkaEvent[]`). */
  readonly batch?: boolean;
  /** Receive the value as text instead of parsed JSON; invalid JSON is then the handler's business. */
  readonly rawValue?: boolean;
  /**
   * Consume-transform-produce in Kafka transactions: what the handler publishes through
   * `KafkaEventContext.publisher` is written, with the dead letters and the consumed offsets of the
   * batch, in one transaction, so read_committed readers see each input's outputs exactly once.
   */
  readonly transactional?: boolean;
  /**
   * Every record's value is checked, before the handler sees it, against its contract topic's
   * payload class (set by `@KafkaHandler`); a record that fails goes to the dead-letter topic with
   * the reasons.
   */
  readonly contract?: boolean;
  /** The same with a class of the handler's choosing, for a topic outside the contract (benchmarks). */
  readonly payload?: new () => object;
}

export const KAFKA_HANDLER_OPTION_KEYS: readonly (keyof KafkaHandlerOptions)[] = [
  'batch',
  'rawValue',
  'transactional',
  'contract',
  'payload',
];

/** `@Ctx()` of a Kafka handler. */
export class KafkaEventContext extends BaseRpcContext<[KafkaEvent | readonly KafkaEvent[], EventSink]> {
  /**
   * Where the handler publishes its outputs: the service's publisher, or for a transactional
   * handler the transaction of the batch (publishing then only stages the events).
   */
  get publisher(): EventSink {
    return this.args[1];
  }

  /** The record, or the first record of a batch. */
  get event(): KafkaEvent {
    const [arg] = this.args;
    const first = Array.isArray(arg) ? (arg as readonly KafkaEvent[])[0] : (arg as KafkaEvent);
    if (!first) throw new Error('empty batch');
    return first;
  }
}

export function decodeHeaders(
  headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>> | undefined,
): Record<string, string> {
  const decoded: Record<string, string> = {};
  if (!headers) return decoded;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const single = Array.isArray(value) ? value[value.length - 1] : value;
    if (single === undefined) continue;
    // defineProperty: a header named "__proto__" (anyone can produce one) stays a header.
    Object.defineProperty(decoded, name, {
      value: typeof single === 'string' ? single : single.toString('utf8'),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return decoded;
}

export function toKafkaEvent(
  topic: string,
  partition: number,
  record: {
    offset: string;
    key: Buffer | null;
    value: Buffer | null;
    headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
    timestamp: string;
  },
  value: unknown,
): KafkaEvent {
  const headers = decodeHeaders(record.headers);
  return {
    topic,
    partition,
    offset: record.offset,
    key: record.key === null ? null : record.key.toString('utf8'),
    value,
    rawValue: record.value,
    headers,
    cloudEvent: fromCloudEventHeaders(headers),
    timestamp: record.timestamp,
  };
}
