import { Injectable, Logger } from '@nestjs/common';
import { Topics, UpstreamRequestPayload, deterministicUuid, parseJson, validatePayload } from '#contracts';
import type { FieldError, RequestRejectedPayload } from '#contracts';
import { EventPublisher } from '#kafka';
import type { KafkaEvent, TopicEvent } from '#kafka';
import { IdempotencyRepository } from '../idempotency/idempotency.repository.js';
import { TicketIntakeService, identityForRequestId } from './ticket-intake.service.js';

type Checked =
  | { readonly event: KafkaEvent<string | null>; readonly request: UpstreamRequestPayload }
  | { readonly event: KafkaEvent<string | null>; readonly value: unknown; readonly errors: FieldError[] };

/**
 * Upstream apps are trusted for identity: their requester fields are taken as given. Every invalid
 * event is published to the rejection topic with all its errors; nothing is dropped silently.
 * A batch is handled at once: one lookup of the request ids already published, one acknowledged
 * write of every ticket and rejection, one record of the ids published.
 */
@Injectable()
export class UpstreamRequestService {
  private readonly logger = new Logger(UpstreamRequestService.name);

  constructor(
    private readonly tickets: TicketIntakeService,
    private readonly publisher: EventPublisher,
    private readonly published: IdempotencyRepository,
  ) {}

  async handle(events: readonly KafkaEvent<string | null>[]): Promise<void> {
    const checked = events.map((event) => check(event));
    const valid = checked.flatMap((item) => ('request' in item ? [item] : []));
    // A duplicate of a requestId already turned into a ticket (or earlier in this batch) produces nothing more.
    const seen = await this.published.publishedRequestIds(valid.map((item) => item.request.requestId));
    const publications: TopicEvent[] = [];
    const marks: { requestId: string; ticketId: string }[] = [];
    const rejected: Extract<Checked, { errors: FieldError[] }>[] = checked.flatMap((item) => ('errors' in item ? [item] : []));
    for (const { event, request } of valid) {
      if (seen.has(request.requestId)) {
        this.logger.debug(`duplicate of an already published request at ${event.topic}[${event.partition}]@${event.offset} ignored`);
        continue;
      }
      seen.add(request.requestId);
      const { email, name, orgId, userId } = request.requester;
      const identity = identityForRequestId(request.requestId);
      const built = this.tickets.ticketEvent({
        request,
        requester: { email, name: name ?? null, orgId: orgId ?? null, userId: userId ?? null },
        consentGivenBy: userId ?? null,
        identity,
        receivedAt: new Date(Number(event.timestamp)).toISOString(),
        ...(event.cloudEvent.correlationId ? { correlationId: event.cloudEvent.correlationId } : {}),
      });
      if ('errors' in built) {
        rejected.push({ event, value: request, errors: built.errors });
        continue;
      }
      publications.push({ topic: Topics.ticketsSubmitted, event: built.event });
      marks.push({ requestId: request.requestId, ticketId: identity.ticketId });
    }
    for (const { event, value, errors } of rejected) {
      publications.push({ topic: Topics.requestsRejected, event: rejection(event, value, errors) });
      this.logger.warn(
        `request at ${event.topic}[${event.partition}]@${event.offset} rejected: ${errors.map((error) => `${error.field || '(value)'} ${error.code}`).join(', ')}`,
      );
    }
    await this.publisher.publishAll(publications);
    await this.published.markPublished(marks);
  }
}

function check(event: KafkaEvent<string | null>): Checked {
  if (event.value === null) return { event, value: undefined, errors: [{ field: '', code: 'emptyValue', message: 'the record has no value' }] };
  const parsed = parseJson(event.value);
  if (!parsed.ok) return { event, value: undefined, errors: parsed.errors };
  const validation = validatePayload(UpstreamRequestPayload, parsed.value);
  return validation.ok ? { event, request: validation.value } : { event, value: parsed.value, errors: validation.errors };
}

function rejection(event: KafkaEvent<string | null>, value: unknown, errors: FieldError[]): TopicEvent['event'] {
  const requestId = requestIdOf(value);
  const payload: RequestRejectedPayload = {
    requestId,
    errors,
    rawValue: event.value ?? '',
    sourceTopic: event.topic,
    sourcePartition: String(event.partition),
    sourceOffset: event.offset,
    rejectedAt: new Date().toISOString(),
  };
  return { key: requestId, id: deterministicUuid('request.rejected', event.topic, String(event.partition), event.offset), payload };
}

function requestIdOf(value: unknown): string | null {
  if (value !== null && typeof value === 'object' && 'requestId' in value) {
    const requestId = value.requestId;
    if (typeof requestId === 'string' && requestId.length > 0 && requestId.length <= 128) return requestId;
  }
  return null;
}
