import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type { KafkaEvent } from '#kafka';
import { NotifierService } from './notifier.service.js';

@Controller()
export class NotificationConsumer {
  constructor(private readonly notifier: NotifierService) {}

  @EventPattern(Topics.ticketsRouted)
  async onRouted(@Payload() event: KafkaEvent): Promise<void> {
    await this.notifier.onRouted(event);
  }

  @EventPattern(Topics.alertsPhoneDesk)
  async onAlert(@Payload() event: KafkaEvent): Promise<void> {
    await this.notifier.onAlert(event);
  }
}
