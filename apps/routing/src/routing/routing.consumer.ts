import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type { TicketSubmittedPayload } from '#contracts';
import { KafkaEventContext, KafkaHandler } from '#kafka';
import type { KafkaEvent } from '#kafka';
import { RoutingService } from './routing.service.js';

@Controller()
export class RoutingConsumer {
  constructor(private readonly routing: RoutingService) {}

  /**
   * Transactional: each fetched batch's routed, queue and alert events are committed together with
   * the consumed offset, so a crash never leaves a routed event without its queue event, nor twice.
   */
  @KafkaHandler(Topics.ticketsSubmitted, { transactional: true, batch: true })
  async onSubmitted(
    @Payload() events: KafkaEvent<TicketSubmittedPayload>[],
    @Ctx() context: KafkaEventContext,
  ): Promise<void> {
    await this.routing.route(events, context.publisher);
  }
}
