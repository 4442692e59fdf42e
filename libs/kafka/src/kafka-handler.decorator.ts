import { EventPattern } from '@nestjs/microservices';
import { TOPIC_PAYLOAD_CLASSES } from '#contracts';
import type { TopicName } from '#contracts';
import type { KafkaHandlerOptions } from './kafka-event.js';

/**
 * Declares a handler of a contract topic: each record's value reaches it already checked against
 * the topic's payload class (`KafkaEvent<TopicPayloads[T]>`), and a record that is not valid goes
 * to the dead-letter topic with every reason, without the handler seeing it.
 */
export function KafkaHandler<T extends TopicName>(
  topic: T,
  options: Omit<KafkaHandlerOptions, 'payload' | 'rawValue'> = {},
): MethodDecorator {
  return EventPattern<string>(topic, {
    ...options,
    payload: TOPIC_PAYLOAD_CLASSES[topic],
  } satisfies KafkaHandlerOptions);
}
