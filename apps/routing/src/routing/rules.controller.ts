import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RoutingDecisionPayload, validatePayload } from '#contracts';
import { ApplicationError, Public, Roles } from '#platform';
import { RoutingPolicy } from '../rules/routing-policy.js';
import type { RuleSet } from '../rules/rule-set.js';
import { PreviewBody } from './preview.body.js';
import { RoutingService } from './routing.service.js';

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
  @ApiOkResponse({ description: 'the active rule set and its version' })
  rules(): { version: string; ruleSet: RuleSet } {
    return { version: this.policy.ruleSet.version, ruleSet: this.policy.ruleSet };
  }

  /** Staff only: with an orgId it names the organisation's dedicated PSM. */
  @Post('routing/preview')
  @HttpCode(200)
  @Roles('agent', 'lead', 'auditor', 'auditor:global')
  @ApiBody({ description: 'a POST /v1/requests body, plus optional "at" (ISO-8601) and "orgId"' })
  @ApiOkResponse({
    type: RoutingDecisionPayload,
    description: 'the decision the rules would take now; role agent, lead, auditor or auditor:global',
  })
  preview(@Body() body: unknown): RoutingDecisionPayload {
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
    );
  }
}
