import { Injectable } from '@nestjs/common';
import { Topics, validatePayload } from '#contracts';
import { ApplicationError } from '#platform';
import { assertSameOrganisation } from '../access/audit-access.js';
import type { AccessScope } from '../access/audit-access.js';
import { SubjectVault } from '../privacy/subject-vault.js';
import { decodeCursor, encodeCursor, TicketListQuery } from './ticket-query.js';
import { TicketStatsQuery, toTicketStats } from './ticket-stats.js';
import type { TicketStatsView } from './ticket-stats.js';
import { TicketRepository } from './ticket.repository.js';
import type { EventRow, TicketRow } from './ticket.repository.js';
import { toPersonalDataView, toTicketSummary, toTicketView } from './ticket.views.js';
import type { PersonalDataView, TicketPageView, TicketView } from './ticket.views.js';

export const HistoryErrorCode = { ticketNotFound: 'TICKET_NOT_FOUND', invalidQuery: 'INVALID_QUERY' } as const;

const DEFAULT_PAGE_SIZE = 50;

function invalidQuery(errors: { field: string; code: string; message: string }[]): ApplicationError {
  return new ApplicationError(
    HistoryErrorCode.invalidQuery,
    400,
    `the query has ${errors.length} invalid parameter(s)`,
    errors,
  );
}

@Injectable()
export class TicketsService {
  constructor(
    private readonly tickets: TicketRepository,
    private readonly vault: SubjectVault,
  ) {}

  async listTickets(scope: AccessScope, query: Record<string, unknown>, now = new Date()): Promise<TicketPageView> {
    const typed: Record<string, unknown> = { ...query };
    if (typeof typed.limit === 'string' && /^\d+$/.test(typed.limit)) typed.limit = Number(typed.limit);
    const validation = validatePayload(TicketListQuery, typed);
    if (!validation.ok) throw invalidQuery(validation.errors);
    const { cursor, limit = DEFAULT_PAGE_SIZE, slaBreached, ...filter } = validation.value;
    assertSameOrganisation(scope, filter.orgId);
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && after === undefined)
      throw invalidQuery([{ field: 'cursor', code: 'invalidCursor', message: 'unknown cursor' }]);
    const rows = await this.tickets.list(
      {
        ...filter,
        ...(scope.kind === 'organisation' ? { orgId: scope.orgId } : {}),
        ...(slaBreached === undefined ? {} : { slaBreached: slaBreached === 'true' }),
        ...(after ? { after } : {}),
      },
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last?.received_at
        ? encodeCursor({ receivedAt: last.received_at.toISOString(), ticketId: last.ticket_id })
        : null;
    return { items: page.map((row) => toTicketSummary(row, now)), nextCursor };
  }

  async stats(scope: AccessScope, query: Record<string, unknown>): Promise<TicketStatsView> {
    const validation = validatePayload(TicketStatsQuery, query);
    if (!validation.ok) throw invalidQuery(validation.errors);
    assertSameOrganisation(scope, validation.value.orgId);
    const filter = { ...validation.value, ...(scope.kind === 'organisation' ? { orgId: scope.orgId } : {}) };
    return toTicketStats(await this.tickets.countGroups(filter));
  }

  /** Another organisation's ticket is answered exactly like a missing one. */
  async getTicket(scope: AccessScope, ticketId: string, now = new Date()): Promise<TicketView> {
    const [row, events] = await Promise.all([this.tickets.findTicket(ticketId), this.tickets.findEvents(ticketId)]);
    if (!row || (scope.kind === 'organisation' && row.org_id !== scope.orgId)) {
      throw new ApplicationError(HistoryErrorCode.ticketNotFound, 404, `no ticket ${ticketId} in history`);
    }
    return toTicketView(row, events, now, await this.personalData(row, events));
  }

  private async personalData(row: TicketRow, events: readonly EventRow[]): Promise<PersonalDataView> {
    const submitted = events.find(
      (event) => event.topic === Topics.ticketsSubmitted && event.key_id !== null && event.personal_data !== null,
    );
    if (!submitted?.key_id || !submitted.personal_data) return toPersonalDataView(row, null, false);
    const keys = await this.tickets.dataKeys(new Set([submitted.key_id]));
    const key = keys.get(submitted.key_id);
    if (!key) return toPersonalDataView(row, null, true);
    const personal = this.vault.decrypt(key, submitted.personal_data, submitted.ce_id) as Record<string, unknown>;
    return toPersonalDataView(row, personal, false);
  }
}
