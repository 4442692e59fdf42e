import type { MessageHandler } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import type { EventSink } from '../event-publisher.js';
import { KafkaEventContext } from '../kafka-event.js';
import type { KafkaEvent } from '../kafka-event.js';
import { kafkaMetrics } from '../kafka.metrics.js';
import { childTraceparent, withTrace } from '../trace-context.js';
import type { TraceContext } from '../trace-context.js';

/** Runs a handler on one event or a batch, with `sink` as where it publishes. */
export type HandlerCall = (data: KafkaEvent | KafkaEvent[], sink: EventSink) => Promise<void>;

/**
 * A Nest handler as the runners call it: awaited to the end (an observable result too), timed, and,
 * for one event, inside that event's trace (its logs and publications continue it). A batch has no
 * single trace: its handler passes each event's ids on itself.
 */
export function handlerCall(
  handler: MessageHandler,
  groupId: string,
  toObservable: (result: unknown) => Observable<unknown>,
): HandlerCall {
  return async (data, sink) => {
    const topic = Array.isArray(data) ? (data[0]?.topic ?? 'none') : data.topic;
    const stopTimer = kafkaMetrics.handlerDuration.startTimer({
      topic,
      group: groupId,
      mode: Array.isArray(data) ? 'batch' : 'record',
    });
    const run = async (): Promise<void> => {
      const result: unknown = await handler(data, new KafkaEventContext([data, sink]));
      await lastValueFrom(toObservable(result), { defaultValue: undefined });
    };
    try {
      await (Array.isArray(data) ? run() : withTrace(traceOf(data), run));
    } finally {
      stopTimer();
    }
  };
}

/** The trace an event continues: its correlation id, a child of its traceparent, and itself as the cause. */
export function traceOf(event: KafkaEvent): TraceContext {
  return {
    ...(event.cloudEvent.correlationId ? { correlationId: event.cloudEvent.correlationId } : {}),
    ...(event.cloudEvent.traceparent ? { traceparent: childTraceparent(event.cloudEvent.traceparent) } : {}),
    ...(event.cloudEvent.id ? { causationId: event.cloudEvent.id } : {}),
  };
}
