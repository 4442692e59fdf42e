import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import {
  REQUEST_ID_PATTERN,
  Topics,
  UpstreamRequestPayload,
  deterministicUuid,
  parseJson,
  validatePayload,
  withoutNulls,
} from '#contracts';
import type { FieldError, RequestRejectedPayload } from '#contracts';
import { EventPublisher, QuarantinePublisher } from '#kafka';
import type { KafkaEvent, OutgoingEvent, TopicEvent } from '#kafka';
import { decideFollowUp, followUpMessageId, newTicketOwner, ownerOf, referenceOf } from '../conversations/follow-up.js';
import type { NewTicketOwner } from '../conversations/follow-up.js';
import { TicketOwnersRepository } from '../conversations/ticket-owners.repository.js';
import { IdempotencyRepository } from '../idempotency/idempotency.repository.js';
import { IntakeConfig } from '../intake.config.js';
import { TicketIntakeService, identityForRequestId } from './ticket-intake.service.js';

type Checked =
  | { readonly event: KafkaEvent<string | null>; readonly request: UpstreamRequestPayload }
  | { readonly event: KafkaEvent<string | null>; readonly value: unknown; readonly errors: FieldError[] };

/**
 * The largest rejection payload, JSON included: far below the broker's record limit, so that a
 * rejection of a record near that limit (or of one whose text grows when escaped: a control
 * character becomes six) still fits, with its headers.
 */
export const REJECTION_MAX_BYTES = 512 * 1024;

/** A chat or form follow-up whose reference is not one of its requester's tickets (unknown or someone else's). */
const UNKNOWN_REFERENCE: FieldError = {
  field: 'ticketReference',
  code: 'unknownTicketReference',
  message: 'the requester has no ticket with this reference (unknown, or someone else’s)',
};

/**
 * Upstream apps are trusted for identity: their requester fields are taken as given. Every invalid
 * event is published to the rejection topic with all its errors; nothing is dropped silently.
 * A batch is handled at once: one lookup of the request ids already published, one of the tickets
 * the follow-ups name, one acknowledged write of the tickets and messages, one of the rejections (through the quarantine publisher: a rejection is
 * the kind of record a broker may refuse, and must never fail a ticket's write), one record of
 * the ids published with the new tickets' owners and the follow-ups' reopenings.
 */
@Injectable()
export class UpstreamRequestService {
  private readonly logger = new Logger(UpstreamRequestService.name);
  private readonly maxSkewMs: number;
  private readonly reopenWindowDays: number;

  constructor(
    private readonly tickets: TicketIntakeService,
    private readonly publisher: EventPublisher,
    private readonly quarantine: QuarantinePublisher,
    private readonly published: IdempotencyRepository,
    private readonly owners: TicketOwnersRepository,
    config: IntakeConfig,
  ) {
    this.maxSkewMs = config.INTAKE_MAX_RECEPTION_SKEW_MS;
    this.reopenWindowDays = config.REOPEN_WINDOW_DAYS;
  }

  async handle(events: readonly KafkaEvent<string | null>[]): Promise<void> {
    const now = Date.now();
    const checked = events.map((event) => check(event));
    const valid = checked.flatMap((item) => ('request' in item ? [item] : []));
    // A duplicate of a requestId already turned into a ticket (or earlier in this batch) produces nothing more.
    const seen = await this.published.publishedRequestIds(valid.map((item) => item.request.requestId));
    const outputs: TopicEvent[] = [];
    const marks: { requestId: string; ticketId: string }[] = [];
    const owners: NewTicketOwner[] = [];
    const followedUp: string[] = [];
    const rejected: Extract<Checked, { errors: FieldError[] }>[] = checked.flatMap((item) =>
      'errors' in item ? [item] : [],
    );
    const fresh = valid.filter(({ event, request }) => {
      if (seen.has(request.requestId)) {
        this.logger.debug(
          `duplicate of an already published request at ${event.topic}[${event.partition}]@${event.offset} ignored`,
        );
        return false;
      }
      seen.add(request.requestId);
      return true;
    });
    // Every reference of the batch in one query; a ticket started earlier in the batch is known too.
    const known = await this.owners.findByReferences(
      fresh.flatMap(({ request }) => {
        const reference = referenceOf(request);
        return reference === null ? [] : [reference];
      }),
    );
    for (const { event, request } of fresh) {
      const { email, name, orgId, userId } = request.requester;
      const requester = { email, name: name ?? null, orgId: orgId ?? null, userId: userId ?? null };
      const identity = identityForRequestId(request.requestId);
      const receivedAt = receptionTime(Number(event.timestamp), now, this.maxSkewMs);
      const correlationId = event.cloudEvent.correlationId || identity.requestId;
      const reference = referenceOf(request);
      const decision = decideFollowUp({
        channel: request.channel,
        reference,
        owner: reference === null ? null : ownerOf(request.channel, requester),
        candidates: known,
        now: new Date(receivedAt),
        reopenWindowDays: this.reopenWindowDays,
      });
      if (decision.kind === 'unknown-reference') {
        rejected.push({ event, value: request, errors: [UNKNOWN_REFERENCE] });
        continue;
      }
      if (decision.kind === 'follow-up') {
        const built = this.tickets.messageEvent({
          ticketId: decision.ticketId,
          messageId: followUpMessageId(request.requestId),
          channel: request.channel,
          message: request.message,
          authorId: requester.userId,
          receivedAt,
          correlationId,
        });
        if ('errors' in built) {
          rejected.push({ event, value: request, errors: built.errors });
          continue;
        }
        outputs.push({ topic: Topics.ticketsMessages, event: built.event });
        marks.push({ requestId: request.requestId, ticketId: decision.ticketId });
        followedUp.push(decision.ticketId);
        continue;
      }
      const built = this.tickets.ticketEvent({
        request,
        requester,
        consentGivenBy: userId ?? null,
        identity,
        receivedAt,
        relatedTicketId: decision.relatedTicketId,
        ...(event.cloudEvent.correlationId ? { correlationId: event.cloudEvent.correlationId } : {}),
      });
      if ('errors' in built) {
        rejected.push({ event, value: request, errors: built.errors });
        continue;
      }
      outputs.push({ topic: Topics.ticketsSubmitted, event: built.event });
      marks.push({ requestId: request.requestId, ticketId: identity.ticketId });
      const owner = newTicketOwner(identity.ticketId, request.channel, requester);
      owners.push(owner);
      known.push({ ...owner, resolvedAt: null });
    }
    const rejections: TopicEvent[] = rejected.map(({ event, value, errors }) => {
      // Field names may come from the record itself: the log line gives codes and positions only.
      this.logger.warn(
        `request at ${event.topic}[${event.partition}]@${event.offset} rejected: ${errors.map((error) => error.code).join(', ')}`,
      );
      return { topic: Topics.requestsRejected, event: rejection(event, value, errors) };
    });
    await Promise.all([this.publisher.publishAll(outputs), this.quarantine.publishAll(rejections)]);
    await this.published.markPublished(marks, { owners, followedUp, at: new Date(now).toISOString() });
  }
}

/**
 * When a request was received: its record's producer timestamp, but never later than now, nor
 * earlier than now by more than the allowed skew (an upstream cannot backdate SLAs and alerts).
 */
export function receptionTime(producedAt: number, now: number, maxSkewMs: number): string {
  const time = Number.isFinite(producedAt) ? Math.min(now, Math.max(now - maxSkewMs, producedAt)) : now;
  return new Date(time).toISOString();
}

function check(event: KafkaEvent<string | null>): Checked {
  if (event.value === null)
    return { event, value: undefined, errors: [{ field: '', code: 'emptyValue', message: 'the record has no value' }] };
  const parsed = parseJson(event.value);
  if (!parsed.ok) return { event, value: undefined, errors: parsed.errors };
  const validation = validatePayload(UpstreamRequestPayload, withoutNulls(parsed.value));
  return validation.ok
    ? { event, request: validation.value }
    : { event, value: parsed.value, errors: validation.errors };
}

function rejection(
  event: KafkaEvent<string | null>,
  value: unknown,
  errors: FieldError[],
): OutgoingEvent<RequestRejectedPayload> {
  const raw = event.value ?? '';
  const base: Omit<RequestRejectedPayload, 'rawValue'> = {
    requestId: requestIdOf(value),
    errors,
    sourceTopic: event.topic,
    sourcePartition: String(event.partition),
    sourceOffset: event.offset,
    rejectedAt: new Date().toISOString(),
  };
  return {
    // The upstream record's own key: the rejection lands where the upstream app looks for its request.
    key: event.key,
    id: deterministicUuid('request.rejected', event.topic, String(event.partition), event.offset),
    payload: boundedRejection(base, raw),
  };
}

/**
 * The rejection with as much of the raw value as fits in REJECTION_MAX_BYTES once serialised; a
 * cut value says so, with the size and SHA-256 of the whole (which stays at its source offset).
 */
export function boundedRejection(base: Omit<RequestRejectedPayload, 'rawValue'>, raw: string): RequestRejectedPayload {
  const whole: RequestRejectedPayload = { ...base, rawValue: raw };
  const overhead =
    Buffer.byteLength(
      JSON.stringify({
        ...base,
        rawValue: '',
        rawValueTruncated: true,
        rawValueBytes: 0,
        rawValueSha256: '0'.repeat(64),
      }),
    ) + 32;
  if (Buffer.byteLength(JSON.stringify(whole)) <= REJECTION_MAX_BYTES) return whole;
  const budget = REJECTION_MAX_BYTES - overhead;
  // The longest prefix whose JSON text fits: escaping makes the size per character vary (1 to 6 bytes).
  let low = 0;
  let high = raw.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (Buffer.byteLength(JSON.stringify(wellFormedPrefix(raw, middle))) <= budget) low = middle;
    else high = middle - 1;
  }
  return {
    ...base,
    rawValue: wellFormedPrefix(raw, low),
    rawValueTruncated: true,
    rawValueBytes: Buffer.byteLength(raw),
    rawValueSha256: createHash('sha256').update(raw).digest('hex'),
  };
}

/** The first `length` UTF-16 units, one fewer when that would split a surrogate pair. */
function wellFormedPrefix(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return code >= 0xd800 && code <= 0xdbff ? text.slice(0, length - 1) : text.slice(0, length);
}

/** The rejected value's requestId when it is id-like; anything else might be personal data. */
function requestIdOf(value: unknown): string | null {
  if (value !== null && typeof value === 'object' && 'requestId' in value) {
    const requestId = value.requestId;
    if (typeof requestId === 'string' && REQUEST_ID_PATTERN.test(requestId)) return requestId;
  }
  return null;
}
