import { Injectable } from '@nestjs/common';
import { validatePayload } from '#contracts';
import { ApplicationError } from '#platform';
import { decodeCursor, encodeCursor, TicketListQuery } from './ticket-query.js';
import { TicketRepository } from './ticket.repository.js';
import { toTicketSummary, toTicketView } from './ticket.views.js';
import type { TicketPageView, TicketView } from './ticket.views.js';

export const HistoryErrorCode = { ticketNotFound: 'TICKET_NOT_FOUND', invalidQuery: 'INVALID_QUERY' } as const;

const DEFAULT_PAGE_SIZE = 50;

@Injectable()
export class TicketsService {
  constructor(private readonly tickets: TicketRepository) {}

  async listTickets(query: Record<string, unknown>, now = new Date()): Promise<TicketPageView> {
    const typed: Record<string, unknown> = { ...query };
    if (typeof typed.limit === 'string' && /^\d+$/.test(typed.limit)) typed.limit = Number(typed.limit);
    const validation = validatePayload(TicketListQuery, typed);
    if (!validation.ok)
      throw new ApplicationError(HistoryErrorCode.invalidQuery, 400, `the query has ${validation.errors.length} invalid parameter(s)`, validation.errors);
    const { cursor, limit = DEFAULT_PAGE_SIZE, ...filter } = validation.value;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && after === undefined) {
      throw new ApplicationError(HistoryErrorCode.invalidQuery, 400, 'the cursor is not one this service gave', [
        { field: 'cursor', code: 'invalidCursor', message: 'unknown cursor' },
      ]);
    }
    const rows = await this.tickets.list({ ...filter, ...(after ? { after } : {}) }, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > limit && last?.received_at ? encodeCursor({ receivedAt: last.received_at.toISOString(), ticketId: last.ticket_id }) : null;
    return { items: page.map((row) => toTicketSummary(row, now)), nextCursor };
  }

  async getTicket(ticketId: string, now = new Date()): Promise<TicketView> {
    const [row, events] = await Promise.all([this.tickets.findTicket(ticketId), this.tickets.findEvents(ticketId)]);
    if (!row) throw new ApplicationError(HistoryErrorCode.ticketNotFound, 404, `no ticket ${ticketId} in history`);
    return toTicketView(row, events, now);
  }
}
