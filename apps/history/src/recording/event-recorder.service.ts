import { Injectable } from '@nestjs/common';
import { TOPIC_PAYLOAD_CLASSES, checkPayload, deterministicUuid, topicSpec } from '#contracts';
import type { TopicName } from '#contracts';
import { KafkaErrorCode, NonRetriableEventError } from '#kafka';
import type { KafkaEvent } from '#kafka';
import type { IncomingEvent } from '../audit/event-sealer.js';
import { HistoryRepository } from './history.repository.js';

/** Turns consumed records into stored history events, exactly once per `ce_id`. */
@Injectable()
export class EventRecorder {
  constructor(private readonly repository: HistoryRepository) {}

  async record(events: readonly KafkaEvent[]): Promise<number> {
    return this.repository.append(events.map((event) => this.toIncomingEvent(event)));
  }

  toIncomingEvent(event: KafkaEvent): IncomingEvent {
    const topic = event.topic as TopicName;
    const type: (new () => object) | undefined = TOPIC_PAYLOAD_CLASSES[topic];
    if (!type) throw new NonRetriableEventError(KafkaErrorCode.invalidEvent, `history does not record ${event.topic}`);
    const result = checkPayload(type, event.value);
    if (!result.ok) {
      const reasons = result.errors.map((error) => `${error.field || '(value)'}: ${error.code}`).join(', ');
      throw new NonRetriableEventError(
        KafkaErrorCode.invalidEvent,
        `invalid ${event.topic} payload at offset ${event.offset}: ${reasons}`,
      );
    }
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
