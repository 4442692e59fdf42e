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

/** Owns every read of tickets and their events. */
@Injectable()
export class TicketRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findTicket(ticketId: string): Promise<TicketRow | undefined> {
    const rows = await this.dataSource.query<TicketRow[]>(`SELECT * FROM history.tickets WHERE ticket_id = $1`, [ticketId]);
    return rows[0];
  }

  async findEvents(ticketId: string): Promise<EventRow[]> {
    return this.dataSource.query<EventRow[]>(
      `SELECT seq, ce_id, topic, type, occurred_at, payload FROM history.events WHERE ticket_id = $1 ORDER BY occurred_at, seq`,
      [ticketId],
    );
  }
}
