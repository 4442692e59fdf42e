import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type {
  PhoneDeskAlertPayload,
  TicketLifecyclePayload,
  TicketMessagePayload,
  TicketRoutedPayload,
  TicketSubmittedPayload,
} from '#contracts';
import { KafkaHandler } from '#kafka';
import type { KafkaEvent } from '#kafka';
import { NotificationIntake } from './notification-intake.service.js';

const BATCH = { batch: true } as const;

/** Each poll's batches of a topic are recorded in one statement; a batch with a bad record is retried record by record. */
@Controller()
export class NotificationConsumer {
  constructor(private readonly intake: NotificationIntake) {}

  @KafkaHandler(Topics.ticketsRouted, BATCH)
  async onRouted(@Payload() events: KafkaEvent<TicketRoutedPayload>[]): Promise<void> {
    await this.intake.onRouted(events);
  }

  @KafkaHandler(Topics.alertsPhoneDesk, BATCH)
  async onAlerts(@Payload() events: KafkaEvent<PhoneDeskAlertPayload>[]): Promise<void> {
    await this.intake.onAlerts(events);
  }

  @KafkaHandler(Topics.ticketsSubmitted, BATCH)
  async onSubmitted(@Payload() events: KafkaEvent<TicketSubmittedPayload>[]): Promise<void> {
    await this.intake.onSubmitted(events);
  }

  @KafkaHandler(Topics.ticketsLifecycle, BATCH)
  async onLifecycle(@Payload() events: KafkaEvent<TicketLifecyclePayload>[]): Promise<void> {
    await this.intake.onLifecycle(events);
  }

  @KafkaHandler(Topics.ticketsMessages, BATCH)
  async onMessages(@Payload() events: KafkaEvent<TicketMessagePayload>[]): Promise<void> {
    await this.intake.onMessages(events);
  }
}
