import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiExtraModels,
  ApiHeader,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { API_KEY_SCHEME, ApiProblems, AuthenticatedBy, CurrentPrincipal } from '#platform';
import { RequestCallerGuard } from '../auth/request-caller.guard.js';
import type { Caller } from '../auth/request-caller.guard.js';
import { RequestIntakeService } from './request-intake.service.js';
import {
  CREATE_REQUEST_EXAMPLES,
  CREATE_REQUEST_SCHEMA,
  FollowUpAcceptedView,
  RequestAcceptedView,
} from './create-request.body.js';

@ApiTags('requests')
@Controller('v1/requests')
export class RequestsController {
  constructor(private readonly intake: RequestIntakeService) {}

  @Post()
  @HttpCode(202)
  @AuthenticatedBy(RequestCallerGuard)
  // Either one, depending on the channel of the body (RequestCallerGuard).
  @ApiBearerAuth()
  @ApiSecurity(API_KEY_SCHEME)
  @ApiOperation({
    summary: 'Submit a help request',
    description:
      'chat and form: a user bearer token (the requester comes from it, never from the body); phone and email: an upstream X-Api-Key allowed for that channel, and the requester in the body',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'same key and body: same ticket; same key, other body: 422',
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
  })
  @ApiBody({ schema: CREATE_REQUEST_SCHEMA, examples: CREATE_REQUEST_EXAMPLES })
  @ApiExtraModels(RequestAcceptedView, FollowUpAcceptedView)
  @ApiAcceptedResponse({
    description:
      'the ticket is durably in Kafka (status received), or the follow-up joined the requester’s ticket as a message (status follow-up)',
    schema: { oneOf: [{ $ref: getSchemaPath(RequestAcceptedView) }, { $ref: getSchemaPath(FollowUpAcceptedView) }] },
  })
  @ApiProblems(
    {
      status: 400,
      description:
        'invalid body (unknown or invalid fields, not JSON, not UTF-8) or Idempotency-Key: the field errors say which and why',
    },
    { status: 401, description: 'chat and form: no valid bearer token; phone and email: no known X-Api-Key' },
    { status: 403, description: 'the X-Api-Key is not allowed to submit on this channel' },
    {
      status: 404,
      description:
        'chat and form: the ticketReference is not one of the requester’s tickets (unknown or someone else’s, told apart from neither)',
    },
    { status: 413, description: 'the body is larger than 64 KiB' },
    415,
    {
      status: 422,
      description: 'the Idempotency-Key was used with another body, or has expired; or Kafka refused the ticket record',
    },
    { status: 429, description: 'too many requests from this user or API key: retry after Retry-After seconds' },
    {
      status: 503,
      description:
        'Kafka or the idempotency store is unavailable, the outcome is unknown: retry after Retry-After seconds, with the same Idempotency-Key',
    },
  )
  create(
    @Body() body: unknown,
    @CurrentPrincipal() caller: Caller | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<RequestAcceptedView | FollowUpAcceptedView> {
    return this.intake.accept({ body, caller, idempotencyKey });
  }
}
