import type { KafkaMessage } from 'kafkajs';
import { TOPIC_PAYLOAD_CLASSES, Topics, checkPayload, parseJson } from '#contracts';
import { KafkaErrorCode } from '../kafka.errors.js';
import { toKafkaEvent } from '../kafka-event.js';
import type { KafkaEvent, KafkaHandlerOptions } from '../kafka-event.js';

/** Why a record cannot reach its handler at all: no attempt could change it. */
export interface UnreadableRecord {
  readonly code: string;
  readonly message: string;
}

export type DecodedRecord =
  | { readonly message: KafkaMessage; readonly event: KafkaEvent }
  | { readonly message: KafkaMessage; readonly unreadable: UnreadableRecord };

/**
 * A consumed record as its handler wants it: the JSON value (the raw text for `rawValue`
 * handlers), checked against the topic's payload class when the handler declared one. A value
 * that is not JSON, or not a valid payload, is unreadable: it goes to the dead-letter topic.
 */
export function decodeRecord(
  topic: string,
  partition: number,
  message: KafkaMessage,
  options: KafkaHandlerOptions,
): DecodedRecord {
  const payload = options.payload ?? (options.contract ? contractClassOf(topic) : undefined);
  if (message.value === null) {
    // Where the contract says a null value removes its key (PSM assignments, agents' presence).
    if (payload && !(options.contract && REMOVABLE_BY_TOMBSTONE.has(topic)))
      return { message, unreadable: { code: KafkaErrorCode.invalidEvent, message: `a ${topic} record needs a value` } };
    return { message, event: toKafkaEvent(topic, partition, message, null) };
  }
  if (options.rawValue)
    return { message, event: toKafkaEvent(topic, partition, message, message.value.toString('utf8')) };
  const parsed = parseJson(message.value.toString('utf8'));
  if (!parsed.ok)
    return {
      message,
      unreadable: { code: KafkaErrorCode.invalidJson, message: parsed.errors[0]?.message ?? 'not valid JSON' },
    };
  if (payload) {
    const checked = checkPayload(payload, parsed.value);
    if (!checked.ok) {
      const reasons = checked.errors.map((error) => `${error.field || '(value)'}: ${error.code}`).join(', ');
      return {
        message,
        unreadable: { code: KafkaErrorCode.invalidEvent, message: `invalid ${topic} payload: ${reasons}` },
      };
    }
  }
  return { message, event: toKafkaEvent(topic, partition, message, parsed.value) };
}

/** Compacted topics whose keys a tombstone removes; an erasure (also compacted) is never taken back. */
const REMOVABLE_BY_TOMBSTONE: ReadonlySet<string> = new Set([Topics.psmAssignments, Topics.agents]);

function contractClassOf(topic: string): new () => object {
  const type: (new () => object) | undefined = (TOPIC_PAYLOAD_CLASSES as Record<string, new () => object>)[topic];
  if (!type) throw new Error(`${topic} is not a contract topic: @KafkaHandler is for contract topics`);
  return type;
}
