import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { DeadLetterWriter } from '../dead-letter.js';
import { NonRetriableEventError } from '../kafka.errors.js';
import type { KafkaEvent, KafkaHandlerOptions } from '../kafka-event.js';
import type { AttemptPolicy } from './attempt-policy.js';
import type { GroupedHandler } from './grouped-handler.js';
import type { HandlerCall } from './handler-call.js';
import { decodeRecord } from './record-decoder.js';
import type { DecodedRecord } from './record-decoder.js';

/** Records handed to a batch handler at once, at most: bounds the work between two heartbeats and commits. */
export const DEFAULT_SLICE_RECORDS = 250;

/** What a runner needs to know of a topic's handler. */
export interface Route {
  readonly topic: string;
  readonly options: KafkaHandlerOptions;
  readonly call: HandlerCall;
  /** For plain batch handlers: the partition batches of one poll, handled in one call. */
  readonly grouped?: GroupedHandler;
}

/** What both runners share. */
export interface RunnerContext {
  readonly groupId: string;
  readonly policy: AttemptPolicy;
  readonly deadLetters: DeadLetterWriter;
  readonly sliceRecords: number;
}

/** Handles one fetched partition batch of a route. */
export interface BatchRunner {
  run(payload: EachBatchPayload, route: Route): Promise<void>;
}

/** The slices of a fetched batch, decoded. */
export function* slicesOf(
  messages: readonly KafkaMessage[],
  size: number,
  topic: string,
  partition: number,
  options: KafkaHandlerOptions,
): Generator<DecodedRecord[]> {
  for (let start = 0; start < messages.length; start += size) {
    yield messages.slice(start, start + size).map((message) => decodeRecord(topic, partition, message, options));
  }
}

export function eventsOf(records: readonly DecodedRecord[]): KafkaEvent[] {
  return records.flatMap((record) => ('event' in record ? [record.event] : []));
}

/** An unreadable record as a failure: dead-lettered after one attempt. */
export function unreadableError(record: DecodedRecord): NonRetriableEventError | undefined {
  return 'unreadable' in record
    ? new NonRetriableEventError(record.unreadable.code, record.unreadable.message)
    : undefined;
}
