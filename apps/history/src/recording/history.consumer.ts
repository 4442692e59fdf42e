import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type { TopicName } from '#contracts';
import { KafkaHandler } from '#kafka';
import type { KafkaEvent } from '#kafka';
import { EventRecorder } from './event-recorder.service.js';

/** Every topic history records (also for the tools that move the history group's offsets). */
export const HISTORY_RECORDED_TOPICS: readonly TopicName[] = [
  Topics.ticketsSubmitted,
  Topics.ticketsRouted,
  Topics.requestsRejected,
  Topics.queuePsm,
  Topics.queueSupport,
  Topics.alertsPhoneDesk,
  Topics.ticketsLifecycle,
  Topics.notifications,
  Topics.ticketsMessages,
  Topics.personalDataAccessed,
  // Recorded and applied: an erasure made through another instance, or read again when rebuilding.
  Topics.subjectsErased,
];

/** Every ticket-related topic is recorded; each poll's batches are stored in one transaction. */
@Controller()
export class HistoryConsumer {
  constructor(private readonly recorder: EventRecorder) {}

  @KafkaHandler(HISTORY_RECORDED_TOPICS, { batch: true })
  async record(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.recorder.record(events);
  }
}
