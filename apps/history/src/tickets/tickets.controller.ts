import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CHANNELS, ID_MAX_LENGTH, PRIORITIES, QUEUES, REQUEST_TYPES, TICKET_STATUSES } from '#contracts';
import { ApiProblems, CurrentPrincipal, Roles, userOf } from '#platform';
import type { ProblemResponse } from '#platform';
import { AUDITOR_FORBIDDEN, INVALID_QUERY, ISO_8601 } from '../history.openapi.js';
import { AUDITOR_ROLES, auditorScope } from '../access/audit-access.js';
import { TicketsService } from './tickets.service.js';
import { TicketStatsView } from './ticket-stats.js';
import { TicketPageView, TicketView } from './ticket.views.js';

const ORG_FILTER_FORBIDDEN = {
  status: 403,
  description: `${AUDITOR_FORBIDDEN.description}, or orgId names another organisation than the auditor's`,
} as const satisfies ProblemResponse;

@ApiTags('tickets')
@Roles(...AUDITOR_ROLES)
@Controller('v1/tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketsService) {}

  @Get()
  @ApiOperation({
    summary: 'Search tickets',
    description: 'newest first, a page at a time; role auditor (own organisation) or auditor:global',
  })
  @ApiOkResponse({
    type: TicketPageView,
    description: 'newest first; role auditor (own organisation) or auditor:global',
  })
  @ApiQuery({ name: 'orgId', required: false, schema: { type: 'string', minLength: 1, maxLength: 128 } })
  @ApiQuery({ name: 'channel', required: false, enum: CHANNELS })
  @ApiQuery({ name: 'requestType', required: false, enum: REQUEST_TYPES })
  @ApiQuery({ name: 'queue', required: false, enum: QUEUES })
  @ApiQuery({ name: 'priority', required: false, enum: PRIORITIES })
  @ApiQuery({ name: 'status', required: false, enum: TICKET_STATUSES })
  @ApiQuery({
    name: 'reference',
    required: false,
    schema: { type: 'string', pattern: '^SR-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}$', example: 'SR-7K4Q-M2XD' },
    description: "the ticket's reference (any case)",
  })
  @ApiQuery({
    name: 'requestId',
    required: false,
    schema: { type: 'string', minLength: 1, maxLength: ID_MAX_LENGTH },
    description: 'the id of the request the ticket came from',
  })
  @ApiQuery({
    name: 'slaBreached',
    required: false,
    enum: ['true', 'false'],
    description: 'true: a first or next response late or overdue; false: every response on time so far',
  })
  @ApiQuery({ name: 'from', required: false, schema: ISO_8601, description: 'received at or after (ISO-8601)' })
  @ApiQuery({ name: 'to', required: false, schema: ISO_8601, description: 'received before (ISO-8601)' })
  @ApiQuery({
    name: 'cursor',
    required: false,
    schema: { type: 'string', minLength: 1, maxLength: 512 },
    description: 'nextCursor of the previous page',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    description: '1..500, default 50',
  })
  @ApiProblems(INVALID_QUERY, ORG_FILTER_FORBIDDEN)
  async listTickets(
    @CurrentPrincipal() principal: unknown,
    @Query() query: Record<string, unknown>,
  ): Promise<TicketPageView> {
    return this.tickets.listTickets(auditorScope(userOf(principal)), query);
  }

  @Get(':ticketId')
  @ApiOperation({
    summary: 'A ticket and its timeline',
    description: 'current state and every event in order; role auditor (own organisation) or auditor:global',
  })
  @ApiParam({ name: 'ticketId', type: String })
  @ApiOkResponse({ type: TicketView, description: 'current state and the full ordered timeline' })
  @ApiProblems(AUDITOR_FORBIDDEN, {
    status: 404,
    description: "no such ticket (another organisation's ticket is answered the same way)",
  })
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
  @ApiOperation({
    summary: 'Ticket statistics',
    description: 'role auditor (own organisation) or auditor:global',
  })
  @ApiOkResponse({
    type: TicketStatsView,
    description: 'ticket counts by status, channel, queue and priority; erased requesters still count',
  })
  @ApiQuery({ name: 'orgId', required: false, schema: { type: 'string', minLength: 1, maxLength: 128 } })
  @ApiQuery({ name: 'from', required: false, schema: ISO_8601, description: 'received at or after (ISO-8601)' })
  @ApiQuery({ name: 'to', required: false, schema: ISO_8601, description: 'received before (ISO-8601)' })
  @ApiProblems(INVALID_QUERY, ORG_FILTER_FORBIDDEN)
  async stats(
    @CurrentPrincipal() principal: unknown,
    @Query() query: Record<string, unknown>,
  ): Promise<TicketStatsView> {
    return this.tickets.stats(auditorScope(userOf(principal)), query);
  }
}
