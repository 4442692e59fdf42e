import { EventPattern } from '@nestjs/microservices';
import type { TopicName } from '#contracts';
import type { KafkaHandlerOptions } from './kafka-event.js';

/**
 * Declares a handler of one or several contract topics: each record's value reaches it already
 * checked against its topic's payload class (`KafkaEvent<TopicPayloads[T]>`), and a record that is
 * not valid goes to the dead-letter topic with every reason, without the handler seeing it.
 */
export function KafkaHandler<T extends TopicName>(
  topics: T | readonly T[],
  options: Omit<KafkaHandlerOptions, 'contract' | 'payload' | 'rawValue'> = {},
): MethodDecorator {
  return EventPattern<string[]>(typeof topics === 'string' ? [topics] : [...topics], {
    ...options,
    contract: true,
  } satisfies KafkaHandlerOptions);
}
