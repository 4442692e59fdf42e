import { Injectable } from '@nestjs/common';
import { deterministicUuid, validatePayload } from '#contracts';
import type { TicketRequesterPayload } from '#contracts';
import { CredentialsService } from '../auth/credentials.service.js';
import { CreateRequestBody } from './create-request.body.js';
import type { RequestAcceptedView } from './create-request.body.js';
import { TicketIntakeService, fieldErrorsProblem, freshIdentity } from './ticket-intake.service.js';
import type { SubmissionIdentity } from './ticket-intake.service.js';

export interface HttpSubmission {
  readonly body: unknown;
  readonly authorization: string | undefined;
  readonly apiKey: string | undefined;
  readonly idempotencyKey: string | undefined;
}

/** `POST /v1/requests`: validation, identity by channel, then the durable write. */
@Injectable()
export class RequestIntakeService {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly tickets: TicketIntakeService,
  ) {}

  async accept(submission: HttpSubmission): Promise<RequestAcceptedView> {
    const validation = validatePayload(CreateRequestBody, submission.body);
    if (!validation.ok) throw fieldErrorsProblem(validation.errors);
    const request = validation.value;

    let requester: TicketRequesterPayload;
    let consentGivenBy: string | null = null;
    let principalId: string;
    if (request.channel === 'chat' || request.channel === 'form') {
      const user = await this.credentials.verifyBearer(submission.authorization);
      if (request.requester !== undefined) {
        throw fieldErrorsProblem([{ field: 'requester', code: 'forbiddenField', message: 'requester is taken from the bearer token on chat and form' }]);
      }
      requester = { userId: user.userId, orgId: user.orgId, email: user.email, name: user.name };
      consentGivenBy = user.userId;
      principalId = `user:${user.userId}`;
    } else {
      const upstream = this.credentials.verifyApiKey(submission.apiKey, request.channel);
      if (request.requester === undefined) {
        throw fieldErrorsProblem([{ field: 'requester', code: 'isDefined', message: `requester is required on the ${request.channel} channel` }]);
      }
      const { email, name, orgId, userId } = request.requester;
      requester = { email, name: name ?? null, orgId: orgId ?? null, userId: userId ?? null };
      principalId = `upstream:${upstream.name}`;
    }

    const identity = submission.idempotencyKey ? idempotentIdentity(principalId, submission.idempotencyKey) : freshIdentity();
    const ticket = await this.tickets.submit({ request, requester, consentGivenBy, identity, receivedAt: new Date().toISOString() });
    return { ticketId: ticket.ticketId, reference: ticket.reference, status: 'received', receivedAt: ticket.receivedAt };
  }
}

/** The same caller with the same key always gets the same ticket id. */
function idempotentIdentity(principalId: string, key: string): SubmissionIdentity {
  const requestId = deterministicUuid('idempotency-key', principalId, key);
  return { requestId, ticketId: deterministicUuid('ticket', requestId), eventId: deterministicUuid('ticket.submitted', requestId) };
}
