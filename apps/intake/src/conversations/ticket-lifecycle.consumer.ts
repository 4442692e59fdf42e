import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type { TicketLifecyclePayload } from '#contracts';
import { KafkaHandler } from '#kafka';
import type { KafkaEvent } from '#kafka';
import { resolutionChanges } from './follow-up.js';
import { TicketOwnersRepository } from './ticket-owners.repository.js';

/** Resolutions and reopenings of tickets, for the reopen window of follow-ups. */
@Controller()
export class TicketLifecycleConsumer {
  constructor(private readonly owners: TicketOwnersRepository) {}

  @KafkaHandler(Topics.ticketsLifecycle, { batch: true })
  async onLifecycle(@Payload() events: KafkaEvent<TicketLifecyclePayload>[]): Promise<void> {
    await this.owners.applyResolutions(resolutionChanges(events.map((event) => event.value)));
  }
}
