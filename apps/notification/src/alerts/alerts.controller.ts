import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CurrentPrincipal, Roles, userOf } from '#platform';
import { ALERT_STATUS_FILTERS } from './alert-record.js';
import { AlertListView, AlertView } from './alert.views.js';
import { AlertsService, PHONE_DESK_ROLE } from './alerts.service.js';

@ApiTags('alerts')
@Roles(PHONE_DESK_ROLE)
@Controller('v1/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @ApiOperation({ summary: 'List phone-desk alerts', description: 'oldest first; role phone-desk' })
  @ApiQuery({
    name: 'status',
    required: false,
    enum: ALERT_STATUS_FILTERS,
    description: 'open (default) = raised or escalated',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    description: '1..500, default 100',
  })
  @ApiOkResponse({ type: AlertListView, description: 'oldest first; needs the phone-desk role' })
  @ApiProblems({ status: 400, description: 'invalid status or limit: the field errors say which and why' })
  list(@Query('status') status: string | undefined, @Query('limit') limit: string | undefined): Promise<AlertListView> {
    return this.alerts.list({ status, limit });
  }

  @Post(':alertId/ack')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Acknowledge an alert',
    description: 'stops its escalation; role phone-desk',
  })
  @ApiParam({ name: 'alertId', type: String })
  @ApiOkResponse({
    type: AlertView,
    description: 'acknowledged, escalation stopped (repeating it as the same operator is harmless)',
  })
  @ApiProblems(
    { status: 404, description: 'no such alert' },
    { status: 409, description: 'another operator acknowledged the alert first: the detail says who and when' },
  )
  acknowledge(@CurrentPrincipal() principal: unknown, @Param('alertId') alertId: string): Promise<AlertView> {
    return this.alerts.acknowledge(userOf(principal), alertId);
  }
}
