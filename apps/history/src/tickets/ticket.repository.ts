import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface TicketRow {
  ticket_id: string;
  reference: string | null;
  request_id: string | null;
  status: string;
  channel: string | null;
  request_type: string | null;
  urgency: string | null;
  org_id: string | null;
  queue: string | null;
  assignee: string | null;
  priority: string | null;
  sla_due_at: Date | null;
  first_response_at: Date | null;
  rule_id: string | null;
  allow_workspace_testing: boolean | null;
  received_at: Date | null;
  routed_at: Date | null;
}

export interface EventRow {
  seq: string;
  ce_id: string;
  topic: string;
  type: string;
  occurred_at: Date;
  payload: Record<string, unknown>;
}

export interface TicketFilter {
  readonly orgId?: string;
  readonly channel?: string;
  readonly requestType?: string;
  readonly queue?: string;
  readonly priority?: string;
  readonly status?: string;
  readonly from?: string;
  readonly to?: string;
  /** Keyset position: tickets strictly older than this one (newest first). */
  readonly after?: { readonly receivedAt: string; readonly ticketId: string };
}

const FILTER_COLUMNS = {
  orgId: 'org_id',
  channel: 'channel',
  requestType: 'request_type',
  queue: 'queue',
  priority: 'priority',
  status: 'status',
} as const;

/** Owns every read of tickets and their events. */
@Injectable()
export class TicketRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findTicket(ticketId: string): Promise<TicketRow | undefined> {
    const rows = await this.dataSource.query<TicketRow[]>(`SELECT * FROM history.tickets WHERE ticket_id = $1`, [ticketId]);
    return rows[0];
  }

  /** Newest first, by reception time then id (keyset pagination: stable under concurrent inserts). */
  async list(filter: TicketFilter, limit: number): Promise<TicketRow[]> {
    const conditions = ['received_at IS NOT NULL'];
    const parameters: unknown[] = [];
    const bind = (value: unknown): string => {
      parameters.push(value);
      return `$${parameters.length}`;
    };
    for (const [field, column] of Object.entries(FILTER_COLUMNS)) {
      const value = filter[field as keyof typeof FILTER_COLUMNS];
      if (value !== undefined) conditions.push(`${column} = ${bind(value)}`);
    }
    if (filter.from !== undefined) conditions.push(`received_at >= ${bind(filter.from)}::timestamptz`);
    if (filter.to !== undefined) conditions.push(`received_at < ${bind(filter.to)}::timestamptz`);
    if (filter.after !== undefined)
      conditions.push(`(received_at, ticket_id) < (${bind(filter.after.receivedAt)}::timestamptz, ${bind(filter.after.ticketId)})`);
    return this.dataSource.query<TicketRow[]>(
      `SELECT * FROM history.tickets WHERE ${conditions.join(' AND ')} ORDER BY received_at DESC, ticket_id DESC LIMIT ${bind(limit)}`,
      parameters,
    );
  }

  async findEvents(ticketId: string): Promise<EventRow[]> {
    return this.dataSource.query<EventRow[]>(
      `SELECT seq, ce_id, topic, type, occurred_at, payload FROM history.events WHERE ticket_id = $1 ORDER BY occurred_at, seq`,
      [ticketId],
    );
  }
}
