import { Injectable } from '@nestjs/common';
import { deterministicUuid, topicSpec } from '#contracts';
import type { TopicName } from '#contracts';
import type { KafkaEvent } from '#kafka';
import type { IncomingEvent } from '../audit/event-sealer.js';
import { HistoryRepository } from './history.repository.js';

/**
 * Turns consumed records, which the transport has checked against their topic's payload class,
 * into stored history events, exactly once per `ce_id` and source.
 */
@Injectable()
export class EventRecorder {
  constructor(private readonly repository: HistoryRepository) {}

  async record(events: readonly KafkaEvent[]): Promise<number> {
    return this.repository.append(events.map((event) => this.toIncomingEvent(event)));
  }

  toIncomingEvent(event: KafkaEvent): IncomingEvent {
    const topic = event.topic as TopicName;
    const payload = event.value as Record<string, unknown>;
    const ticketId = typeof payload.ticketId === 'string' ? payload.ticketId : null;
    return {
      // Records produced without CloudEvents headers get an id derived from their position.
      ceId:
        event.cloudEvent.id ?? deterministicUuid('kafka-record', event.topic, String(event.partition), event.offset),
      ticketId,
      topic: event.topic,
      type: event.cloudEvent.type ?? topicSpec(topic).eventType,
      source: event.cloudEvent.source ?? null,
      occurredAt: validTime(event.cloudEvent.time) ?? new Date(Number(event.timestamp)).toISOString(),
      partition: event.partition,
      offset: event.offset,
      payload,
    };
  }
}

function validTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
