import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type {
  QueuedTicketPayload,
  SubjectErasedPayload,
  TicketLifecyclePayload,
  TicketMessagePayload,
} from '#contracts';
import { KafkaHandler } from '#kafka';
import type { KafkaEvent } from '#kafka';
import { Assigner } from '../assignment/assigner.js';
import { DeskProjection } from './desk-projection.js';
import type { IdentifiedChange } from './desk-projection.js';

const BATCH = { batch: true } as const;

/** The id an event is applied once under: its `ce_id`, else its place in the log. */
export function eventIdOf(event: KafkaEvent): string {
  return event.cloudEvent.id ?? `${event.topic}/${event.partition}/${event.offset}`;
}

/** Keeps desk's view of the queues: tickets from the queue topics, then what happens to them. */
@Controller()
export class DeskConsumer {
  private readonly logger = new Logger(DeskConsumer.name);

  constructor(
    private readonly projection: DeskProjection,
    private readonly assigner: Assigner,
  ) {}

  @KafkaHandler([Topics.queuePsm, Topics.queueSupport], BATCH)
  async onQueued(@Payload() events: KafkaEvent<QueuedTicketPayload>[]): Promise<void> {
    await this.projection.apply(events.map((event) => change(event, { kind: 'queued', payload: event.value })));
    this.assigner.wake([...new Set(events.map((event) => event.value.queue))]);
  }

  @KafkaHandler(Topics.ticketsLifecycle, BATCH)
  async onLifecycle(@Payload() events: KafkaEvent<TicketLifecyclePayload>[]): Promise<void> {
    await this.projection.apply(events.map((event) => change(event, { kind: 'lifecycle', payload: event.value })));
    // A resolution frees capacity; a claim or an assignment by someone else changes the loads.
    this.assigner.wake();
  }

  @KafkaHandler(Topics.ticketsMessages, BATCH)
  async onMessages(@Payload() events: KafkaEvent<TicketMessagePayload>[]): Promise<void> {
    await this.projection.apply(events.map((event) => change(event, { kind: 'message', payload: event.value })));
  }

  @KafkaHandler(Topics.subjectsErased)
  async onErased(@Payload() event: KafkaEvent<SubjectErasedPayload>): Promise<void> {
    const erased = await this.projection.erase(event.value.ticketIds);
    this.logger.log(`erasure ${event.value.erasureId}: personal data of ${erased} ticket(s) erased`);
  }
}

function change(event: KafkaEvent, value: IdentifiedChange['change']): IdentifiedChange {
  return { eventId: eventIdOf(event), change: value };
}
