import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { TicketsService } from './tickets.service.js';
import { TicketView } from './ticket.views.js';

@ApiTags('tickets')
@Controller('v1/tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketsService) {}

  @Get(':ticketId')
  @ApiOkResponse({ type: TicketView })
  getTicket(@Param('ticketId') ticketId: string): Promise<TicketView> {
    return this.tickets.getTicket(ticketId);
  }
}
