import { Inject, Injectable } from '@nestjs/common';
import { Topics, validatePayload } from '#contracts';
import { ApplicationError } from '#platform';
import type { DueTime } from '#rules';
import { assertSameOrganisation } from '../access/audit-access.js';
import type { AccessScope } from '../access/audit-access.js';
import type { DataKey } from '../privacy/subject-vault.js';
import { SubjectVault } from '../privacy/subject-vault.js';
import { SERVICE_LEVELS } from '../service-levels.provider.js';
import { decodeCursor, encodeCursor, TicketListQuery } from './ticket-query.js';
import { TicketStatsQuery, toTicketStats } from './ticket-stats.js';
import type { TicketStatsView } from './ticket-stats.js';
import { TicketRepository } from './ticket.repository.js';
import type { EventRow, TicketRow } from './ticket.repository.js';
import { toPersonalDataView, toTicketSummary, toTicketView, toTimelineEntry } from './ticket.views.js';
import type { PersonalDataView, TicketPageView, TicketView, TimelineEntryView } from './ticket.views.js';

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
    @Inject(SERVICE_LEVELS) private readonly dueAt: DueTime,
  ) {}

  async listTickets(scope: AccessScope, query: Record<string, unknown>, now = new Date()): Promise<TicketPageView> {
    const typed: Record<string, unknown> = { ...query };
    if (typeof typed.limit === 'string' && /^\d+$/.test(typed.limit)) typed.limit = Number(typed.limit);
    const validation = validatePayload(TicketListQuery, typed);
    if (!validation.ok) throw invalidQuery(validation.errors);
    const { cursor, limit = DEFAULT_PAGE_SIZE, slaBreached, reference, ...rest } = validation.value;
    // References are stored as issued, in upper case; requesters may type them in any case.
    const filter = { ...rest, ...(reference === undefined ? {} : { reference: reference.toUpperCase() }) };
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
    return { items: page.map((row) => toTicketSummary(row, now, this.dueAt)), nextCursor };
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
    const submitted = events.find(
      (event) => event.topic === Topics.ticketsSubmitted && event.key_id !== null && event.personal_data !== null,
    );
    const keyIds = new Set(
      events.flatMap((event) =>
        event.key_id !== null && (event === submitted || event.topic === Topics.ticketsMessages) ? [event.key_id] : [],
      ),
    );
    // One read of the keys for the requester's data and every message of the conversation.
    const keys = keyIds.size === 0 ? new Map<string, DataKey>() : await this.tickets.dataKeys(keyIds);
    return toTicketView(row, this.timeline(events, keys), now, this.personalData(row, submitted, keys), this.dueAt);
  }

  /** Messages with their body in clear while their key exists (null once their subject is erased). */
  private timeline(events: readonly EventRow[], keys: ReadonlyMap<string, DataKey>): TimelineEntryView[] {
    return events.map((event) => {
      if (event.topic !== Topics.ticketsMessages) return toTimelineEntry(event);
      const personal = this.decrypted(event, keys);
      const body = personal?.body;
      return toTimelineEntry(event, typeof body === 'string' ? body : null);
    });
  }

  private personalData(
    row: TicketRow,
    submitted: EventRow | undefined,
    keys: ReadonlyMap<string, DataKey>,
  ): PersonalDataView {
    if (!submitted?.key_id || !submitted.personal_data) return toPersonalDataView(row, null, false);
    const personal = this.decrypted(submitted, keys);
    return personal === null ? toPersonalDataView(row, null, true) : toPersonalDataView(row, personal, false);
  }

  private decrypted(event: EventRow, keys: ReadonlyMap<string, DataKey>): Record<string, unknown> | null {
    const key = event.key_id === null ? undefined : keys.get(event.key_id);
    if (key === undefined || event.personal_data === null) return null;
    return this.vault.decrypt(key, event.personal_data, event.ce_id) as Record<string, unknown>;
  }
}
