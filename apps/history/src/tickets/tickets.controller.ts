import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { TicketsService } from './tickets.service.js';
import { TicketPageView, TicketView } from './ticket.views.js';

@ApiTags('tickets')
@Controller('v1/tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketsService) {}

  @Get()
  @ApiOkResponse({ type: TicketPageView })
  @ApiQuery({ name: 'orgId', required: false })
  @ApiQuery({ name: 'channel', required: false })
  @ApiQuery({ name: 'requestType', required: false })
  @ApiQuery({ name: 'queue', required: false })
  @ApiQuery({ name: 'priority', required: false })
  @ApiQuery({ name: 'status', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'received at or after (ISO-8601)' })
  @ApiQuery({ name: 'to', required: false, description: 'received before (ISO-8601)' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1..500, default 50' })
  listTickets(@Query() query: Record<string, unknown>): Promise<TicketPageView> {
    return this.tickets.listTickets(query);
  }

  @Get(':ticketId')
  @ApiOkResponse({ type: TicketView })
  getTicket(@Param('ticketId') ticketId: string): Promise<TicketView> {
    return this.tickets.getTicket(ticketId);
  }
}
