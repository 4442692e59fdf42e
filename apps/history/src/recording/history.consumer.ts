import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type { TopicName } from '#contracts';
import type { KafkaEvent } from '#kafka';
import { EventRecorder } from './event-recorder.service.js';

const BATCH = { batch: true } as const;

/** The topics the handlers below record (for tools that move the history group's offsets). */
export const HISTORY_RECORDED_TOPICS: readonly TopicName[] = [
  Topics.ticketsSubmitted,
  Topics.ticketsRouted,
  Topics.requestsRejected,
  Topics.queuePsm,
  Topics.queueSupport,
  Topics.alertsPhoneDesk,
  Topics.ticketsLifecycle,
  Topics.notifications,
  Topics.subjectsErased,
];

/** Every ticket-related topic is recorded; batches are stored in one transaction each. */
@Controller()
export class HistoryConsumer {
  constructor(private readonly recorder: EventRecorder) {}

  @EventPattern(Topics.ticketsSubmitted, BATCH)
  async submitted(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.recorder.record(events);
  }

  @EventPattern(Topics.ticketsRouted, BATCH)
  async routed(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.recorder.record(events);
  }

  @EventPattern(Topics.requestsRejected, BATCH)
  async rejected(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.recorder.record(events);
  }

  @EventPattern(Topics.queuePsm, BATCH)
  async psmQueue(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.recorder.record(events);
  }

  @EventPattern(Topics.queueSupport, BATCH)
  async supportQueue(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.recorder.record(events);
  }

  @EventPattern(Topics.alertsPhoneDesk, BATCH)
  async alerts(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.recorder.record(events);
  }

  @EventPattern(Topics.ticketsLifecycle, BATCH)
  async lifecycle(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.recorder.record(events);
  }

  @EventPattern(Topics.notifications, BATCH)
  async notifications(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.recorder.record(events);
  }

  /** Recorded and applied: an erasure made through another instance, or read again when rebuilding. */
  @EventPattern(Topics.subjectsErased, BATCH)
  async erasures(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.recorder.record(events);
  }
}
