import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type { SubjectErasedPayload } from '#contracts';
import { KafkaHandler } from '#kafka';
import type { KafkaEvent } from '#kafka';
import { ContactRepository } from '../recipients/contact.repository.js';
import { Clock } from '#platform';

/** A data subject's erasure: notification forgets their tickets' addresses, and will not keep them later either. */
@Controller()
export class SubjectErasuresConsumer {
  private readonly logger = new Logger(SubjectErasuresConsumer.name);

  constructor(
    private readonly contacts: ContactRepository,
    private readonly clock: Clock,
  ) {}

  @KafkaHandler(Topics.subjectsErased)
  async onErased(@Payload() event: KafkaEvent<SubjectErasedPayload>): Promise<void> {
    const erased = await this.contacts.eraseTickets(event.value.ticketIds, this.clock.now());
    this.logger.log(`erasure ${event.value.erasureId}: the address of ${erased} ticket(s) erased`);
  }
}
