import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiHeader, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AuthenticatedBy, CurrentPrincipal } from '#platform';
import { RequestCallerGuard } from '../auth/request-caller.guard.js';
import type { Caller } from '../auth/request-caller.guard.js';
import { RequestIntakeService } from './request-intake.service.js';
import { CREATE_REQUEST_EXAMPLES, CREATE_REQUEST_SCHEMA, RequestAcceptedView } from './create-request.body.js';

@ApiTags('requests')
@Controller('v1/requests')
export class RequestsController {
  constructor(private readonly intake: RequestIntakeService) {}

  @Post()
  @HttpCode(202)
  @AuthenticatedBy(RequestCallerGuard)
  @ApiBearerAuth()
  @ApiSecurity('api-key')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'same key and body: same ticket; same key, other body: 422',
  })
  @ApiBody({ schema: CREATE_REQUEST_SCHEMA, examples: CREATE_REQUEST_EXAMPLES })
  @ApiAcceptedResponse({ type: RequestAcceptedView, description: 'the ticket is durably in Kafka' })
  create(
    @Body() body: unknown,
    @CurrentPrincipal() caller: Caller | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<RequestAcceptedView> {
    return this.intake.accept({ body, caller, idempotencyKey });
  }
}
