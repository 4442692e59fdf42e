import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import { KafkaEventContext } from '#kafka';
import type { KafkaEvent, KafkaHandlerOptions } from '#kafka';
import { RoutingService } from './routing.service.js';

@Controller()
export class RoutingConsumer {
  constructor(private readonly routing: RoutingService) {}

  /**
   * Transactional: each fetched batch's routed, queue and alert events are committed together with
   * the consumed offset, so a crash never leaves a routed event without its queue event, nor twice.
   */
  @EventPattern<string>(Topics.ticketsSubmitted, { transactional: true, batch: true } satisfies KafkaHandlerOptions)
  async onSubmitted(@Payload() events: KafkaEvent[], @Ctx() context: KafkaEventContext): Promise<void> {
    await this.routing.route(events, context.publisher);
  }
}
