import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RoutingDecisionPayload, validatePayload } from '#contracts';
import { ApiProblems, ApplicationError, Public, Roles } from '#platform';
import { RoutingPolicy } from '../rules/routing-policy.js';
import type { AssignmentPreview, RuleSet } from '#rules';
import { PREVIEW_BODY_SCHEMA, PreviewBody } from './preview.body.js';
import { RoutingService } from './routing.service.js';
import { RoutingDecisionView, RulesView } from './routing.views.js';

@ApiTags('routing')
@Controller('v1')
export class RulesController {
  constructor(
    private readonly policy: RoutingPolicy,
    private readonly routing: RoutingService,
  ) {}

  /** The rules are no secret: every decision explains itself with them. */
  @Get('rules')
  @Public()
  @ApiOperation({ summary: 'The active rule set and its version' })
  @ApiOkResponse({ type: RulesView, description: 'the active rule set and its version' })
  rules(): { version: string; ruleSet: RuleSet } {
    return { version: this.policy.ruleSet.version, ruleSet: this.policy.ruleSet };
  }

  /** Staff only: with an orgId it names the organisation's dedicated PSM. */
  @Post('routing/preview')
  @HttpCode(200)
  @Roles('agent', 'lead', 'auditor', 'auditor:global')
  @ApiOperation({
    summary: 'Preview the routing decision for a request',
    description: 'the decision the rules would take, without side effects; role agent, lead, auditor or auditor:global',
  })
  @ApiBody({
    schema: PREVIEW_BODY_SCHEMA,
    description: 'a POST /v1/requests body, plus optional "at" (ISO-8601) and "orgId"',
  })
  @ApiOkResponse({
    type: RoutingDecisionView,
    description: 'the decision the rules would take at "at" (default now), and who would get the ticket now',
  })
  @ApiProblems(
    {
      status: 400,
      description: 'invalid body (unknown or invalid fields, not JSON): the field errors say which and why',
    },
    { status: 413, description: 'the body is larger than 64 KiB' },
    415,
  )
  preview(@Body() body: unknown): RoutingDecisionPayload & { assignment: AssignmentPreview } {
    const validation = validatePayload(PreviewBody, body);
    if (!validation.ok)
      throw new ApplicationError(
        'VALIDATION_FAILED',
        400,
        `the request has ${validation.errors.length} invalid field(s)`,
        validation.errors,
      );
    const request = validation.value;
    return this.routing.preview(
      {
        ticketId: 'preview',
        channel: request.channel,
        requestType: request.requestType ?? null,
        urgency: request.urgency ?? 'normal',
        subject: request.subject ?? null,
        message: request.message,
        orgId: request.orgId ?? request.requester?.orgId ?? null,
      },
      request.at ? new Date(request.at) : new Date(),
      request.locale ?? null,
    );
  }
}
