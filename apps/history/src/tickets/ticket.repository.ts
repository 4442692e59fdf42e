import { Inject, Injectable, Optional } from '@nestjs/common';
import { AUDIT_DATA_SOURCE } from '../audit/audit-data-source.js';
import { DataSource } from 'typeorm';
import { Topics } from '#contracts';
import { loadKeys } from '../privacy/subject-keys.js';
import type { DataKey } from '../privacy/subject-vault.js';
import { SubjectVault } from '../privacy/subject-vault.js';

/** Where each topic's events come in a ticket's life; topics not listed come after these. */
const PIPELINE_ORDER: readonly string[] = [
  Topics.ticketsSubmitted,
  Topics.ticketsRouted,
  Topics.queuePsm,
  Topics.queueSupport,
  Topics.alertsPhoneDesk,
  Topics.ticketsLifecycle,
  Topics.ticketsMessages,
  Topics.notifications,
  Topics.personalDataAccessed,
];

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
  assigned: boolean;
  claimed_by: string | null;
  last_reply_at: Date | null;
  awaiting_since: Date | null;
  resolved_at: Date | null;
  next_response_due_at: Date | null;
  next_response_breached: boolean;
  rule_id: string | null;
  allow_workspace_testing: boolean | null;
  received_at: Date | null;
  routed_at: Date | null;
  subject_ref: string | null;
  personal_data_erased_at: Date | null;
}

export interface EventRow {
  seq: string;
  ce_id: string;
  topic: string;
  type: string;
  occurred_at: Date;
  payload: Record<string, unknown>;
  key_id: string | null;
  personal_data: Buffer | null;
}

export interface TicketCountRow {
  status: string;
  channel: string | null;
  queue: string | null;
  priority: string | null;
  sla_breached: boolean;
  erased: boolean;
  count: number;
}

export interface TicketFilter {
  readonly orgId?: string;
  readonly channel?: string;
  readonly requestType?: string;
  readonly queue?: string;
  readonly priority?: string;
  readonly status?: string;
  readonly reference?: string;
  readonly requestId?: string;
  readonly from?: string;
  readonly to?: string;
  readonly slaBreached?: boolean;
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
  reference: 'reference',
  requestId: 'request_id',
} as const;

// The SQL twin of ticket-progress's slaBreached (isSlaBreached in ticket.views.ts): a late next
// response, a first response late or overdue (a resolution without one ends the wait), a follow-up
// waiting past its due time.
const SLA_BREACHED = `(next_response_breached
  OR (sla_due_at IS NOT NULL AND COALESCE(first_response_at, resolved_at, now()) > sla_due_at)
  OR (next_response_due_at IS NOT NULL AND now() > next_response_due_at))`;

/** Owns every read of tickets and their events. */
@Injectable()
export class TicketRepository {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SubjectVault) private readonly vault: SubjectVault,
    /** The auditors' pool, for the whole-store statistics (tests may leave it out). */
    @Optional() @Inject(AUDIT_DATA_SOURCE) private readonly audit?: DataSource,
  ) {}

  /** Keys still in existence; a destroyed one is absent from the map. */
  async dataKeys(keyIds: ReadonlySet<string>): Promise<Map<string, DataKey>> {
    return loadKeys(this.dataSource, this.vault, keyIds);
  }

  async findTicket(ticketId: string): Promise<TicketRow | undefined> {
    const rows = await this.dataSource.query<TicketRow[]>(`SELECT * FROM history.tickets WHERE ticket_id = $1`, [
      ticketId,
    ]);
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
    if (filter.slaBreached !== undefined) conditions.push(filter.slaBreached ? SLA_BREACHED : `NOT (${SLA_BREACHED})`);
    if (filter.after !== undefined)
      conditions.push(
        `(received_at, ticket_id) < (${bind(filter.after.receivedAt)}::timestamptz, ${bind(filter.after.ticketId)})`,
      );
    return this.dataSource.query<TicketRow[]>(
      `SELECT * FROM history.tickets WHERE ${conditions.join(' AND ')} ORDER BY received_at DESC, ticket_id DESC LIMIT ${bind(limit)}`,
      parameters,
    );
  }

  /** Ticket counts by every dimension at once (one row per combination present). */
  async countGroups(filter: Pick<TicketFilter, 'orgId' | 'from' | 'to'>): Promise<TicketCountRow[]> {
    const conditions = ['received_at IS NOT NULL'];
    const parameters: unknown[] = [];
    const bind = (value: unknown): string => {
      parameters.push(value);
      return `$${parameters.length}`;
    };
    if (filter.orgId !== undefined) conditions.push(`org_id = ${bind(filter.orgId)}`);
    if (filter.from !== undefined) conditions.push(`received_at >= ${bind(filter.from)}::timestamptz`);
    if (filter.to !== undefined) conditions.push(`received_at < ${bind(filter.to)}::timestamptz`);
    return (this.audit ?? this.dataSource).query<TicketCountRow[]>(
      `SELECT status, channel, queue, priority, ${SLA_BREACHED} AS sla_breached, personal_data_erased_at IS NOT NULL AS erased, count(*)::int AS count
       FROM history.tickets WHERE ${conditions.join(' AND ')} GROUP BY 1, 2, 3, 4, 5, 6`,
      parameters,
    );
  }

  /**
   * A ticket's timeline: by the time each event happened; events of the same instant in pipeline
   * order (history stores the topics as they come, so the chain order alone does not say it).
   */
  async findEvents(ticketId: string): Promise<EventRow[]> {
    return this.dataSource.query<EventRow[]>(
      `SELECT seq, ce_id, topic, type, occurred_at, payload, key_id, personal_data FROM history.events WHERE ticket_id = $1
       ORDER BY occurred_at, array_position($2::text[], topic), seq`,
      [ticketId, PIPELINE_ORDER],
    );
  }
}
