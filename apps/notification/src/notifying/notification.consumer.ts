import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type { KafkaEvent } from '#kafka';
import { NotificationIntake } from './notification-intake.service.js';

const BATCH = { batch: true } as const;

/** Each fetched batch is recorded in one statement; a batch with a bad record is retried record by record. */
@Controller()
export class NotificationConsumer {
  constructor(private readonly intake: NotificationIntake) {}

  @EventPattern(Topics.ticketsRouted, BATCH)
  async onRouted(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.intake.onRouted(events);
  }

  @EventPattern(Topics.alertsPhoneDesk, BATCH)
  async onAlerts(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.intake.onAlerts(events);
  }

  @EventPattern(Topics.ticketsSubmitted, BATCH)
  async onSubmitted(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.intake.onSubmitted(events);
  }

  @EventPattern(Topics.ticketsLifecycle, BATCH)
  async onLifecycle(@Payload() events: KafkaEvent[]): Promise<void> {
    await this.intake.onLifecycle(events);
  }
}
