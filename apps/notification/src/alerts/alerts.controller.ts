import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, userOf } from '#platform';
import { ALERT_STATUS_FILTERS } from './alert-record.js';
import { AlertListView, AlertView } from './alert.views.js';
import { AlertsService, PHONE_DESK_ROLE } from './alerts.service.js';

@ApiTags('alerts')
@Roles(PHONE_DESK_ROLE)
@Controller('v1/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @ApiQuery({
    name: 'status',
    required: false,
    enum: ALERT_STATUS_FILTERS,
    description: 'open (default) = raised or escalated',
  })
  @ApiQuery({ name: 'limit', required: false, description: '1..500, default 100' })
  @ApiOkResponse({ type: AlertListView, description: 'oldest first; needs the phone-desk role' })
  list(@Query('status') status: string | undefined, @Query('limit') limit: string | undefined): Promise<AlertListView> {
    return this.alerts.list({ status, limit });
  }

  @Post(':alertId/ack')
  @HttpCode(200)
  @ApiOkResponse({
    type: AlertView,
    description:
      'acknowledged, escalation stopped (repeating it as the same operator is harmless); 409 if another operator was first',
  })
  acknowledge(@CurrentPrincipal() principal: unknown, @Param('alertId') alertId: string): Promise<AlertView> {
    return this.alerts.acknowledge(userOf(principal), alertId);
  }
}
