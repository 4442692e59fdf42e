import type { TopicName, TopicPayloads } from '#contracts';

/** An event waiting in the outbox; the topic decides the payload type. */
export type OutboxEvent = {
  [T in TopicName]: {
    readonly topic: T;
    /** `ce_id`, deterministic: relaying the same event twice is absorbed downstream. */
    readonly id: string;
    readonly key: string;
    readonly payload: TopicPayloads[T];
    readonly time: string;
    readonly correlationId: string | null;
    readonly causationId: string | null;
    /** W3C traceparent of the work that caused the event; the relay publishes a child span of it. */
    readonly traceparent: string | null;
  };
}[TopicName];
