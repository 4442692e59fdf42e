import { Injectable } from '@nestjs/common';
import { ApplicationError } from '#platform';
import { TicketRepository } from './ticket.repository.js';
import { toTicketView } from './ticket.views.js';
import type { TicketView } from './ticket.views.js';

export const HistoryErrorCode = { ticketNotFound: 'TICKET_NOT_FOUND' } as const;

@Injectable()
export class TicketsService {
  constructor(private readonly tickets: TicketRepository) {}

  async getTicket(ticketId: string, now = new Date()): Promise<TicketView> {
    const [row, events] = await Promise.all([this.tickets.findTicket(ticketId), this.tickets.findEvents(ticketId)]);
    if (!row) throw new ApplicationError(HistoryErrorCode.ticketNotFound, 404, `no ticket ${ticketId} in history`);
    return toTicketView(row, events, now);
  }
}
