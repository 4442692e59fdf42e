import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { deadLetterTopic } from '#contracts';
import type { EventPublisher, RawRecord } from './event-publisher.js';
import { errorCodeOf, messageOf } from './kafka.errors.js';
import { kafkaMetrics } from './kafka.metrics.js';

export const DeadLetterHeaders = {
  topic: 'dlq_original_topic',
  partition: 'dlq_original_partition',
  offset: 'dlq_original_offset',
  group: 'dlq_consumer_group',
  code: 'dlq_error_code',
  message: 'dlq_error_message',
  attempts: 'dlq_attempts',
  failedAt: 'dlq_failed_at',
  /** Size and SHA-256 of the whole original value, also when the copy here is cut. */
  valueBytes: 'dlq_value_bytes',
  valueSha256: 'dlq_value_sha256',
  /** `true` when the value here is only the start of the original (which stays at its offset). */
  valueTruncated: 'dlq_value_truncated',
  keyTruncated: 'dlq_key_truncated',
  /** How many of the original record's headers did not fit. */
  headersDropped: 'dlq_headers_dropped',
} as const;

/**
 * Bounds of a dead letter's copy of its record: together far below the broker's record limit, so
 * that a record which failed because of its size can still be parked (the dead letter adds its own
 * headers to what was already near the limit).
 */
export const DEAD_LETTER_VALUE_MAX_BYTES = 512 * 1024;
export const DEAD_LETTER_KEY_MAX_BYTES = 4 * 1024;
export const DEAD_LETTER_HEADERS_MAX_BYTES = 64 * 1024;
const REASON_MAX_CHARACTERS = 1_000;

export interface FailedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: IHeaders;
}

export interface Failure {
  readonly groupId: string;
  readonly code: string;
  readonly reason: string;
  readonly attempts: number;
  readonly failedAt: Date;
}

/** The dead-letter copy of a record: the original key, value and headers (bounded), and why it failed. */
export function deadLetterRecord(record: FailedRecord, failure: Failure): RawRecord {
  const headers: Record<string, string | Buffer> = {};
  let headerBytes = 0;
  let dropped = 0;
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    if (value === undefined) continue;
    const single = Array.isArray(value) ? value[value.length - 1] : value;
    if (single === undefined) continue;
    const size = name.length + (typeof single === 'string' ? Buffer.byteLength(single) : single.length);
    if (headerBytes + size > DEAD_LETTER_HEADERS_MAX_BYTES) {
      dropped += 1;
      continue;
    }
    headerBytes += size;
    // defineProperty: a header named "__proto__" (anyone can produce one) stays a header.
    Object.defineProperty(headers, name, { value: single, enumerable: true, writable: true, configurable: true });
  }
  const value = record.value;
  const key = record.key;
  Object.assign(headers, {
    [DeadLetterHeaders.topic]: record.topic,
    [DeadLetterHeaders.partition]: String(record.partition),
    [DeadLetterHeaders.offset]: record.offset,
    [DeadLetterHeaders.group]: failure.groupId,
    [DeadLetterHeaders.code]: failure.code,
    [DeadLetterHeaders.message]: failure.reason.slice(0, REASON_MAX_CHARACTERS),
    [DeadLetterHeaders.attempts]: String(failure.attempts),
    [DeadLetterHeaders.failedAt]: failure.failedAt.toISOString(),
    ...(value === null
      ? {}
      : {
          [DeadLetterHeaders.valueBytes]: String(value.length),
          [DeadLetterHeaders.valueSha256]: createHash('sha256').update(value).digest('hex'),
        }),
    ...(value !== null && value.length > DEAD_LETTER_VALUE_MAX_BYTES
      ? { [DeadLetterHeaders.valueTruncated]: 'true' }
      : {}),
    ...(key !== null && key.length > DEAD_LETTER_KEY_MAX_BYTES ? { [DeadLetterHeaders.keyTruncated]: 'true' } : {}),
    ...(dropped > 0 ? { [DeadLetterHeaders.headersDropped]: String(dropped) } : {}),
  });
  return {
    key: key !== null && key.length > DEAD_LETTER_KEY_MAX_BYTES ? key.subarray(0, DEAD_LETTER_KEY_MAX_BYTES) : key,
    value:
      value !== null && value.length > DEAD_LETTER_VALUE_MAX_BYTES
        ? value.subarray(0, DEAD_LETTER_VALUE_MAX_BYTES)
        : value,
    headers,
  };
}

/** A record parked on its dead-letter topic, with why. */
export interface DeadLetter {
  readonly topic: string;
  readonly record: RawRecord;
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: string };
  readonly code: string;
  readonly reason: string;
  readonly attempts: number;
}

/**
 * Makes the dead letters of one consumer group, `<topic>.<group>.dlq`, and reports each once it is
 * written (metric and log line: code and a short reason, never the record).
 */
export class DeadLetterWriter {
  private readonly log = new Logger(DeadLetterWriter.name);

  constructor(
    private readonly groupId: string,
    /** Where they go when written at once: a producer of their own (see QuarantinePublisher). */
    private readonly publisher: EventPublisher,
  ) {}

  letterOf(topic: string, partition: number, message: KafkaMessage, error: unknown, attempts: number): DeadLetter {
    const code = errorCodeOf(error);
    const reason = messageOf(error);
    const record = deadLetterRecord(
      {
        topic,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        ...(message.headers ? { headers: message.headers } : {}),
      },
      { groupId: this.groupId, code, reason, attempts, failedAt: new Date() },
    );
    return {
      topic: deadLetterTopic(topic, this.groupId),
      record,
      source: { topic, partition, offset: message.offset },
      code,
      reason: reason.slice(0, 200),
      attempts,
    };
  }

  /** Writes it now (plain consumption); a transactional runner stages it instead, then calls `written`. */
  async write(dead: DeadLetter): Promise<void> {
    await this.publisher.publishRaw(dead.topic, dead.record);
    this.written(dead);
  }

  written(dead: DeadLetter): void {
    const { topic, partition, offset } = dead.source;
    kafkaMetrics.deadLettered.inc({ topic, group: this.groupId, code: dead.code });
    this.log.error(
      `${topic}[${partition}]@${offset} moved to ${dead.topic} after ${dead.attempts} attempt(s): ${dead.code}: ${dead.reason}`,
    );
  }
}
