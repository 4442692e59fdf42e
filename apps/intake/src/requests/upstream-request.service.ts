import { Injectable, Logger } from '@nestjs/common';
import { Topics, UpstreamRequestPayload, deterministicUuid, parseJson, validatePayload } from '#contracts';
import type { FieldError, RequestRejectedPayload } from '#contracts';
import { EventPublisher } from '#kafka';
import type { KafkaEvent } from '#kafka';
import { IdempotencyRepository } from '../idempotency/idempotency.repository.js';
import { TicketIntakeService, identityForRequestId } from './ticket-intake.service.js';

/**
 * Upstream apps are trusted for identity: their requester fields are taken as given. Every invalid
 * event is published to the rejection topic with all its errors; nothing is dropped silently.
 */
@Injectable()
export class UpstreamRequestService {
  private readonly logger = new Logger(UpstreamRequestService.name);

  constructor(
    private readonly tickets: TicketIntakeService,
    private readonly publisher: EventPublisher,
    private readonly published: IdempotencyRepository,
  ) {}

  async handle(event: KafkaEvent<string | null>): Promise<void> {
    const errors: FieldError[] = [];
    let value: unknown;
    if (event.value === null) {
      errors.push({ field: '', code: 'emptyValue', message: 'the record has no value' });
    } else {
      const parsed = parseJson(event.value);
      if (parsed.ok) value = parsed.value;
      else errors.push(...parsed.errors);
    }
    if (errors.length === 0) {
      const validation = validatePayload(UpstreamRequestPayload, value);
      if (validation.ok) {
        const request = validation.value;
        // A duplicate of a requestId already turned into a ticket produces nothing more.
        if ((await this.published.publishedRequestIds([request.requestId])).has(request.requestId)) {
          this.logger.debug(`duplicate of an already published request at ${event.topic}[${event.partition}]@${event.offset} ignored`);
          return;
        }
        const { email, name, orgId, userId } = request.requester;
        const identity = identityForRequestId(request.requestId);
        await this.tickets.submit({
          request,
          requester: { email, name: name ?? null, orgId: orgId ?? null, userId: userId ?? null },
          consentGivenBy: userId ?? null,
          identity,
          receivedAt: new Date(Number(event.timestamp)).toISOString(),
          ...(event.cloudEvent.correlationId ? { correlationId: event.cloudEvent.correlationId } : {}),
        });
        await this.published.markPublished(request.requestId, identity.ticketId);
        return;
      }
      errors.push(...validation.errors);
    }
    await this.reject(event, value, errors);
  }

  private async reject(event: KafkaEvent<string | null>, value: unknown, errors: FieldError[]): Promise<void> {
    const requestId = requestIdOf(value);
    const rejection: RequestRejectedPayload = {
      requestId,
      errors,
      rawValue: event.value ?? '',
      sourceTopic: event.topic,
      sourcePartition: String(event.partition),
      sourceOffset: event.offset,
      rejectedAt: new Date().toISOString(),
    };
    await this.publisher.publish(Topics.requestsRejected, {
      key: requestId,
      id: deterministicUuid('request.rejected', event.topic, String(event.partition), event.offset),
      payload: rejection,
    });
    this.logger.warn(
      `request at ${event.topic}[${event.partition}]@${event.offset} rejected: ${errors.map((error) => `${error.field || '(value)'} ${error.code}`).join(', ')}`,
    );
  }
}

function requestIdOf(value: unknown): string | null {
  if (value !== null && typeof value === 'object' && 'requestId' in value) {
    const requestId = value.requestId;
    if (typeof requestId === 'string' && requestId.length > 0 && requestId.length <= 128) return requestId;
  }
  return null;
}
