import { Injectable, Logger } from '@nestjs/common';
import { deterministicUuid, ticketReference, validatePayload, withoutNulls } from '#contracts';
import type { TicketRequesterPayload } from '#contracts';
import { messageOf } from '#kafka';
import { ApplicationError } from '#platform';
import type { Caller } from '../auth/request-caller.guard.js';
import {
  NEW_TICKET,
  decideFollowUp,
  followUpMessageId,
  newTicketOwner,
  ownerOf,
  referenceOf,
} from '../conversations/follow-up.js';
import type { FollowUpDecision } from '../conversations/follow-up.js';
import { TicketOwnersRepository } from '../conversations/ticket-owners.repository.js';
import { bodyFingerprint } from '../idempotency/canonical-json.js';
import { IdempotencyRepository } from '../idempotency/idempotency.repository.js';
import { IntakeConfig } from '../intake.config.js';
import { RateLimiter } from '../rate-limit/rate-limiter.js';
import { CreateRequestBody } from './create-request.body.js';
import type { FollowUpAcceptedView, RequestAcceptedView } from './create-request.body.js';
import { TicketIntakeService, fieldErrorsProblem, freshIdentity } from './ticket-intake.service.js';
import type { SubmissionIdentity } from './ticket-intake.service.js';

export const IdempotencyErrorCode = {
  keyReused: 'IDEMPOTENCY_KEY_REUSED',
  keyExpired: 'IDEMPOTENCY_KEY_EXPIRED',
  storageUnavailable: 'STORAGE_UNAVAILABLE',
} as const;

export const FollowUpErrorCode = {
  ticketNotFound: 'TICKET_NOT_FOUND',
} as const;

export interface HttpSubmission {
  readonly body: unknown;
  /** Established by RequestCallerGuard; absent when the body names no known channel. */
  readonly caller: Caller | undefined;
  readonly idempotencyKey: string | undefined;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** `POST /v1/requests`: validation, identity by channel, rate limits, idempotency, then the durable write. */
@Injectable()
export class RequestIntakeService {
  private readonly logger = new Logger(RequestIntakeService.name);
  private readonly userLimiter: RateLimiter;
  private readonly apiKeyLimiter: RateLimiter;

  constructor(
    private readonly tickets: TicketIntakeService,
    private readonly idempotency: IdempotencyRepository,
    private readonly owners: TicketOwnersRepository,
    config: IntakeConfig,
  ) {
    this.reopenWindowDays = config.REOPEN_WINDOW_DAYS;
    this.userLimiter = new RateLimiter(config.INTAKE_RATE_LIMIT_USER_PER_MINUTE);
    this.apiKeyLimiter = new RateLimiter(config.INTAKE_RATE_LIMIT_API_KEY_PER_MINUTE);
    this.idempotencyTtlHours = config.INTAKE_IDEMPOTENCY_TTL_HOURS;
  }

  private readonly idempotencyTtlHours: number;
  private readonly reopenWindowDays: number;

  async accept(submission: HttpSubmission): Promise<RequestAcceptedView | FollowUpAcceptedView> {
    const validation = validatePayload(CreateRequestBody, withoutNulls(submission.body));
    if (!validation.ok) throw fieldErrorsProblem(validation.errors);
    const request = validation.value;
    if (submission.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(submission.idempotencyKey)) {
      throw fieldErrorsProblem([
        {
          field: 'Idempotency-Key',
          code: 'invalidHeader',
          message: 'Idempotency-Key must be 1 to 255 visible ASCII characters',
        },
      ]);
    }

    let requester: TicketRequesterPayload;
    let consentGivenBy: string | null = null;
    let principalId: string;
    const caller = submission.caller;
    if (caller === undefined) throw new Error('no caller for a valid channel: RequestCallerGuard did not run');
    if (request.channel === 'chat' || request.channel === 'form') {
      if (caller.kind !== 'user') throw new Error(`a ${caller.kind} caller for the ${request.channel} channel`);
      const user = caller;
      if (request.requester !== undefined) {
        throw fieldErrorsProblem([
          {
            field: 'requester',
            code: 'forbiddenField',
            message: 'requester is taken from the bearer token on chat and form',
          },
        ]);
      }
      principalId = `user:${user.userId}`;
      this.userLimiter.take(principalId);
      requester = { userId: user.userId, orgId: user.orgId, email: user.email, name: user.name };
      consentGivenBy = user.userId;
    } else {
      if (caller.kind !== 'upstream') throw new Error(`a ${caller.kind} caller for the ${request.channel} channel`);
      const upstream = caller;
      if (request.requester === undefined) {
        throw fieldErrorsProblem([
          { field: 'requester', code: 'isDefined', message: `requester is required on the ${request.channel} channel` },
        ]);
      }
      principalId = `upstream:${upstream.name}`;
      this.apiKeyLimiter.take(principalId);
      const { email, name, orgId, userId } = request.requester;
      requester = { email, name: name ?? null, orgId: orgId ?? null, userId: userId ?? null };
    }

    const receivedAt = new Date().toISOString();
    const decision = await this.decide(request, requester, receivedAt);
    const authorId = requester.userId;
    const key = submission.idempotencyKey;
    if (key === undefined) {
      const identity = freshIdentity();
      if (decision.kind === 'follow-up') {
        const messageId = followUpMessageId(identity.requestId);
        // Before the message, like a new ticket's owner: a storage failure is then a clean 503, nothing published.
        await this.storage(() => this.owners.write({ owners: [], followedUp: [decision.ticketId], at: receivedAt }));
        await this.tickets.submitFollowUp({
          ticketId: decision.ticketId,
          messageId,
          channel: request.channel,
          message: request.message,
          authorId,
          receivedAt,
          correlationId: identity.requestId,
        });
        return { ticketId: decision.ticketId, reference: decision.reference, status: 'follow-up', messageId };
      }
      // Before the ticket is published: its reference is only told once it is, and a publication whose
      // outcome is unknown may have landed, so the owner must be known from then on.
      await this.storage(() =>
        this.owners.write({
          owners: [newTicketOwner(identity.ticketId, request.channel, requester)],
          followedUp: [],
          at: receivedAt,
        }),
      );
      const ticket = await this.tickets.submit({
        request,
        requester,
        consentGivenBy,
        identity,
        receivedAt,
        relatedTicketId: decision.relatedTicketId,
      });
      return {
        ticketId: ticket.ticketId,
        reference: ticket.reference,
        status: 'received',
        receivedAt: ticket.receivedAt,
      };
    }

    // Same caller, same key: same ticket (or same message), whichever instance answers and however often.
    const identity = idempotentIdentity(principalId, key);
    const fingerprint = bodyFingerprint(submission.body);
    const record = await this.storage(() =>
      this.idempotency.claim(
        principalId,
        key,
        decision.kind === 'follow-up'
          ? {
              bodySha256: fingerprint,
              ticketId: decision.ticketId,
              reference: decision.reference,
              receivedAt,
              messageId: followUpMessageId(identity.requestId),
              relatedTicketId: null,
            }
          : {
              bodySha256: fingerprint,
              ticketId: identity.ticketId,
              reference: ticketReference(identity.ticketId),
              receivedAt,
              messageId: null,
              relatedTicketId: decision.relatedTicketId,
            },
        this.idempotencyTtlHours,
      ),
    );
    if (record.expired) {
      throw new ApplicationError(
        IdempotencyErrorCode.keyExpired,
        422,
        'this Idempotency-Key was used before and has expired: send the request with a new key',
      );
    }
    if (record.bodySha256 !== fingerprint) {
      throw new ApplicationError(
        IdempotencyErrorCode.keyReused,
        422,
        'this Idempotency-Key was already used with a different body',
      );
    }
    // What the first use of the key decided is the answer, even if the ticket has changed since.
    if (record.messageId !== null) {
      const accepted: FollowUpAcceptedView = {
        ticketId: record.ticketId,
        reference: record.reference,
        status: 'follow-up',
        messageId: record.messageId,
      };
      if (record.completed) return accepted;
      await this.tickets.submitFollowUp({
        ticketId: record.ticketId,
        messageId: record.messageId,
        channel: request.channel,
        message: request.message,
        authorId,
        receivedAt: record.receivedAt,
        correlationId: identity.requestId,
      });
      await this.storage(() =>
        this.idempotency.complete(principalId, key, {
          owners: [],
          followedUp: [record.ticketId],
          at: record.receivedAt,
        }),
      );
      return accepted;
    }
    const accepted: RequestAcceptedView = {
      ticketId: record.ticketId,
      reference: record.reference,
      status: 'received',
      receivedAt: record.receivedAt,
    };
    if (record.completed) return accepted;
    // Not yet known to be in Kafka (first time, or an earlier attempt failed): write it; the event id
    // is derived from the key, so a second write of the same ticket is deduplicated downstream.
    await this.tickets.submit({
      request,
      requester,
      consentGivenBy,
      identity,
      receivedAt: record.receivedAt,
      relatedTicketId: record.relatedTicketId,
    });
    await this.storage(() =>
      this.idempotency.complete(principalId, key, {
        owners: [newTicketOwner(record.ticketId, request.channel, requester)],
        followedUp: [],
        at: record.receivedAt,
      }),
    );
    return accepted;
  }

  /** Whether the request follows up one of its requester's tickets; a chat or form reference that is not theirs is a 404. */
  private async decide(
    request: CreateRequestBody,
    requester: TicketRequesterPayload,
    receivedAt: string,
  ): Promise<Exclude<FollowUpDecision, { readonly kind: 'unknown-reference' }>> {
    const reference = referenceOf(request);
    if (reference === null) return NEW_TICKET;
    const candidates = await this.storage(() => this.owners.findByReferences([reference]));
    const decision = decideFollowUp({
      channel: request.channel,
      reference,
      owner: ownerOf(request.channel, requester),
      candidates,
      now: new Date(receivedAt),
      reopenWindowDays: this.reopenWindowDays,
    });
    if (decision.kind === 'unknown-reference') {
      throw new ApplicationError(
        FollowUpErrorCode.ticketNotFound,
        404,
        'you have no ticket with this reference: check ticketReference, or send the request without it',
      );
    }
    return decision;
  }

  private async storage<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.logger.error(`intake storage failed: ${messageOf(error)}`);
      throw new ApplicationError(
        IdempotencyErrorCode.storageUnavailable,
        503,
        'idempotency keys and ticket references cannot be checked right now; retry later',
        undefined,
        {
          'retry-after': '5',
        },
      );
    }
  }
}

function idempotentIdentity(principalId: string, key: string): SubmissionIdentity {
  const requestId = deterministicUuid('idempotency-key', principalId, key);
  return {
    requestId,
    ticketId: deterministicUuid('ticket', requestId),
    eventId: deterministicUuid('ticket.submitted', requestId),
  };
}
