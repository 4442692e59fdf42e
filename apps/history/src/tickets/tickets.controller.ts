import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, userOf } from '#platform';
import { AUDITOR_ROLES, auditorScope } from '../access/audit-access.js';
import { TicketsService } from './tickets.service.js';
import { TicketStatsView } from './ticket-stats.js';
import { TicketPageView, TicketView } from './ticket.views.js';

@ApiTags('tickets')
@Roles(...AUDITOR_ROLES)
@Controller('v1/tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketsService) {}

  @Get()
  @ApiOkResponse({
    type: TicketPageView,
    description: 'newest first; role auditor (own organisation) or auditor:global',
  })
  @ApiQuery({ name: 'orgId', required: false })
  @ApiQuery({ name: 'channel', required: false })
  @ApiQuery({ name: 'requestType', required: false })
  @ApiQuery({ name: 'queue', required: false })
  @ApiQuery({ name: 'priority', required: false })
  @ApiQuery({ name: 'status', required: false })
  @ApiQuery({ name: 'slaBreached', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'from', required: false, description: 'received at or after (ISO-8601)' })
  @ApiQuery({ name: 'to', required: false, description: 'received before (ISO-8601)' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1..500, default 50' })
  async listTickets(
    @CurrentPrincipal() principal: unknown,
    @Query() query: Record<string, unknown>,
  ): Promise<TicketPageView> {
    return this.tickets.listTickets(auditorScope(userOf(principal)), query);
  }

  @Get(':ticketId')
  @ApiOkResponse({ type: TicketView, description: 'current state and the full ordered timeline' })
  async getTicket(@CurrentPrincipal() principal: unknown, @Param('ticketId') ticketId: string): Promise<TicketView> {
    return this.tickets.getTicket(auditorScope(userOf(principal)), ticketId);
  }
}

@ApiTags('tickets')
@Roles(...AUDITOR_ROLES)
@Controller('v1/stats')
export class StatsController {
  constructor(private readonly tickets: TicketsService) {}

  @Get()
  @ApiOkResponse({
    type: TicketStatsView,
    description: 'ticket counts by status, channel, queue and priority; erased requesters still count',
  })
  @ApiQuery({ name: 'orgId', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'received at or after (ISO-8601)' })
  @ApiQuery({ name: 'to', required: false, description: 'received before (ISO-8601)' })
  async stats(
    @CurrentPrincipal() principal: unknown,
    @Query() query: Record<string, unknown>,
  ): Promise<TicketStatsView> {
    return this.tickets.stats(auditorScope(userOf(principal)), query);
  }
}
