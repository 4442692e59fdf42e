import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type { KafkaEvent } from '#kafka';
import { RoutingService } from './routing.service.js';

@Controller()
export class RoutingConsumer {
  constructor(private readonly routing: RoutingService) {}

  @EventPattern(Topics.ticketsSubmitted)
  async onSubmitted(@Payload() event: KafkaEvent): Promise<void> {
    await this.routing.route(event);
  }
}
