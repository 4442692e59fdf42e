import { Injectable, Logger } from '@nestjs/common';
import { deterministicUuid, ticketReference, validatePayload, withoutNulls } from '#contracts';
import type { TicketRequesterPayload } from '#contracts';
import { messageOf } from '#kafka';
import { ApplicationError } from '#platform';
import type { Caller } from '../auth/request-caller.guard.js';
import { bodyFingerprint } from '../idempotency/canonical-json.js';
import { IdempotencyRepository } from '../idempotency/idempotency.repository.js';
import { IntakeConfig } from '../intake.config.js';
import { RateLimiter } from '../rate-limit/rate-limiter.js';
import { CreateRequestBody } from './create-request.body.js';
import type { RequestAcceptedView } from './create-request.body.js';
import { TicketIntakeService, fieldErrorsProblem, freshIdentity } from './ticket-intake.service.js';
import type { SubmissionIdentity } from './ticket-intake.service.js';

export const IdempotencyErrorCode = {
  keyReused: 'IDEMPOTENCY_KEY_REUSED',
  keyExpired: 'IDEMPOTENCY_KEY_EXPIRED',
  storageUnavailable: 'STORAGE_UNAVAILABLE',
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
    config: IntakeConfig,
  ) {
    this.userLimiter = new RateLimiter(config.INTAKE_RATE_LIMIT_USER_PER_MINUTE);
    this.apiKeyLimiter = new RateLimiter(config.INTAKE_RATE_LIMIT_API_KEY_PER_MINUTE);
    this.idempotencyTtlHours = config.INTAKE_IDEMPOTENCY_TTL_HOURS;
  }

  private readonly idempotencyTtlHours: number;

  async accept(submission: HttpSubmission): Promise<RequestAcceptedView> {
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

    const key = submission.idempotencyKey;
    if (key === undefined) {
      const ticket = await this.tickets.submit({
        request,
        requester,
        consentGivenBy,
        identity: freshIdentity(),
        receivedAt: new Date().toISOString(),
      });
      return {
        ticketId: ticket.ticketId,
        reference: ticket.reference,
        status: 'received',
        receivedAt: ticket.receivedAt,
      };
    }

    // Same caller, same key: same ticket, whichever instance answers and however often.
    const identity = idempotentIdentity(principalId, key);
    const fingerprint = bodyFingerprint(submission.body);
    const record = await this.storage(() =>
      this.idempotency.claim(
        principalId,
        key,
        {
          bodySha256: fingerprint,
          ticketId: identity.ticketId,
          reference: ticketReference(identity.ticketId),
          receivedAt: new Date().toISOString(),
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
    const accepted: RequestAcceptedView = {
      ticketId: record.ticketId,
      reference: record.reference,
      status: 'received',
      receivedAt: record.receivedAt,
    };
    if (record.completed) return accepted;
    // Not yet known to be in Kafka (first time, or an earlier attempt failed): write it; the event id
    // is derived from the key, so a second write of the same ticket is deduplicated downstream.
    await this.tickets.submit({ request, requester, consentGivenBy, identity, receivedAt: record.receivedAt });
    await this.storage(() => this.idempotency.complete(principalId, key));
    return accepted;
  }

  private async storage<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.logger.error(`idempotency storage failed: ${messageOf(error)}`);
      throw new ApplicationError(
        IdempotencyErrorCode.storageUnavailable,
        503,
        'idempotency keys cannot be checked right now; retry later',
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
