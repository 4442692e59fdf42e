import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type { SubjectErasedPayload } from '#contracts';
import { KafkaHandler } from '#kafka';
import type { KafkaEvent } from '#kafka';
import { TicketOwnersRepository } from '../conversations/ticket-owners.repository.js';
import { IdempotencyRepository } from '../idempotency/idempotency.repository.js';

/**
 * A data subject's erasure: intake forgets what it keeps about their tickets (idempotency keys name
 * the caller; the owners are pseudonyms of the requester, and once gone no follow-up joins the tickets).
 */
@Controller()
export class SubjectErasuresConsumer {
  private readonly logger = new Logger(SubjectErasuresConsumer.name);

  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly owners: TicketOwnersRepository,
  ) {}

  @KafkaHandler(Topics.subjectsErased)
  async onErased(@Payload() event: KafkaEvent<SubjectErasedPayload>): Promise<void> {
    const forgotten =
      (await this.repository.forgetTickets(event.value.ticketIds)) +
      (await this.owners.forgetTickets(event.value.ticketIds));
    this.logger.log(
      `erasure ${event.value.erasureId}: ${forgotten} row(s) about ${event.value.ticketIds.length} ticket(s) forgotten`,
    );
  }
}
