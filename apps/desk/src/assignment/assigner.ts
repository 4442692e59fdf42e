import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { QUEUES } from '#contracts';
import type { AgentStatus, Locale, Queue } from '#contracts';
import { currentTrace } from '#kafka';
import { BackgroundLoop, Clock, OutboxRelay, OutboxRepository } from '#platform';
import { assignWaiting, choosePsm } from '#rules';
import type { AssignmentSpec, AvailableAgent } from '#rules';
import { ASSIGNMENT_SPEC } from '../service-levels.provider.js';
import { DeskProjection } from '../tickets/desk-projection.js';
import { policyAssignmentEvents } from './policy-assignment.js';
import { assignmentMetrics } from './assignment.metrics.js';

/** Tickets looked at per queue and pass; a full page means more may wait. */
const PAGE = 500;
/** Namespace of the advisory locks that make one instance at a time assign a queue's tickets. */
export const ASSIGNMENT_LOCK = 5_417_301;
const IDLE_MS = 1_000;
/**
 * Wakes that come closer together (every consumed batch wakes the assigner) are served by one
 * pass after this long: under load a pass per batch would cost PostgreSQL more than the batch.
 */
const MIN_GAP_MS = 25;
/** How often the waiting tickets of a queue nobody can take are counted, for the gauge. */
const COUNT_INTERVAL_MS = 1_000;

interface WaitingRow {
  ticket_id: string;
  assignee: string | null;
  locale: Locale | null;
  routed_assignee: string | null;
  org_id: string | null;
  queued_at: Date | null;
  request_id: string | null;
}

interface AgentRow {
  agent_id: string;
  status: AgentStatus;
  queues: Queue[];
  capacity: number | null;
  locales: Locale[] | null;
  last_assigned_at: Date | null;
  load: number;
}

/**
 * Gives each waiting ticket to the person who works it now, by its queue's policy. One instance at
 * a time assigns a queue (a PostgreSQL advisory lock held by the pass's transaction), from loads
 * counted inside that transaction: two instances never give one ticket to two agents, nor an
 * agent more than their capacity. Woken when tickets arrive, agents change presence or free
 * capacity, and every second regardless.
 */
@Injectable()
export class Assigner {
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly projection: DeskProjection,
    private readonly outbox: OutboxRepository,
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
    @Inject(ASSIGNMENT_SPEC) private readonly spec: AssignmentSpec,
  ) {
    this.loop = new BackgroundLoop('Assigner', () => this.spacedPass(), IDLE_MS);
  }

  start(): void {
    this.loop.start();
  }

  /** Queues something happened in (new tickets); without any, all of them (capacity or presence changed). */
  wake(queues: readonly Queue[] = QUEUES): void {
    for (const queue of queues) this.dirty.add(queue);
    this.loop.wake();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  private lastPassAt = 0;
  /** Queues woken since the last pass; none: the idle pass, or more to do, over every queue. */
  private readonly dirty = new Set<Queue>();
  /** When each queue's waiting tickets were last counted while nobody could take them (the gauge). */
  private readonly countedAt = new Map<Queue, number>();

  private async spacedPass(): Promise<boolean> {
    const wait = this.lastPassAt + MIN_GAP_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.lastPassAt = Date.now();
    const queues = this.dirty.size > 0 ? QUEUES.filter((queue) => this.dirty.has(queue)) : QUEUES;
    this.dirty.clear();
    return this.pass(queues);
  }

  /** One pass over the queues (every one by default); true when a queue had a full page (more may wait). */
  async pass(queues: readonly Queue[] = QUEUES): Promise<boolean> {
    let more = false;
    let published = false;
    for (const queue of queues) {
      const outcome = await this.dataSource.transaction((manager) => this.assignQueue(manager, queue));
      more ||= outcome.more;
      published ||= outcome.published;
    }
    if (published) this.relay.wake();
    return more;
  }

  /** Takes the queue's assignment lock; the caller's transaction releases it. */
  static async lockQueues(manager: EntityManager, queues: readonly Queue[]): Promise<void> {
    for (const queue of [...new Set(queues)].sort())
      await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ASSIGNMENT_LOCK, queue]);
  }

  private async assignQueue(manager: EntityManager, queue: Queue): Promise<{ more: boolean; published: boolean }> {
    await Assigner.lockQueues(manager, [queue]);
    const policy = this.spec.policies[queue];
    let agents: AvailableAgent[] | undefined;
    let page = PAGE;
    // Outside the PSM queue (whose chats go to their dedicated PSM first), tickets can only wait
    // while nobody has spare capacity: they are counted, not sorted and locked, on every wake.
    if (queue !== 'psm' && policy !== 'none') {
      agents = await this.available(manager, queue);
      const free = agents.reduce((sum, agent) => sum + Math.max(0, agent.capacity - agent.load), 0);
      // Only as many tickets as can be given now are taken (and locked), the most urgent first.
      page = Math.min(PAGE, free);
      if (free === 0) {
        const countedAt = this.countedAt.get(queue) ?? 0;
        if (Date.now() - countedAt < COUNT_INTERVAL_MS) return { more: false, published: false };
        this.countedAt.set(queue, Date.now());
        const [row] = await manager.query<{ count: number }[]>(
          `SELECT count(*)::int AS count FROM (SELECT 1 FROM desk.tickets
            WHERE queue = $1 AND NOT assignment_settled AND status <> 'resolved' AND claimed_by IS NULL LIMIT $2) AS waiting`,
          [queue, PAGE],
        );
        assignmentMetrics.waiting.set({ queue }, row?.count ?? 0);
        return { more: false, published: false };
      }
    }
    const waiting = await manager.query<WaitingRow[]>(
      `SELECT ticket_id, assignee, locale, routed_assignee, org_id, queued_at, request_id FROM desk.tickets
        WHERE queue = $1 AND NOT assignment_settled AND status <> 'resolved' AND claimed_by IS NULL
        ORDER BY COALESCE(next_response_due_at, sla_due_at) NULLS LAST, queued_at
        LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [queue, page],
    );
    if (waiting.length === 0) {
      assignmentMetrics.waiting.set({ queue }, 0);
      return { more: false, published: false };
    }
    const now = this.clock.now();
    const decisions: { ticket: WaitingRow; agentId: string | null; reason: string }[] = [];
    const settledWithoutEvent: string[] = [];
    const forPolicy: WaitingRow[] = [];

    // Chat tickets: their dedicated PSM, else the backup, else the pool (then the queue's policy).
    const dedicated = waiting.filter((ticket) => ticket.routed_assignee !== null && queue === 'psm');
    if (dedicated.length > 0) {
      const backups = await this.backups(manager, dedicated);
      const statuses = await this.statuses(manager, [
        ...dedicated.map((ticket) => ticket.routed_assignee!),
        ...[...backups.values()].filter((id): id is string => id !== null),
      ]);
      for (const ticket of dedicated) {
        const psm = ticket.routed_assignee!;
        const backup = ticket.org_id === null ? null : (backups.get(ticket.org_id) ?? null);
        const choice = choosePsm(psm, statuses.get(psm), backup, backup === null ? undefined : statuses.get(backup));
        if (choice.kind === 'agent') decisions.push({ ticket, agentId: choice.agentId, reason: choice.reason });
        else {
          // Once with the pool, said once: a ticket waiting there for an agent is not given back again.
          if (ticket.assignee !== null) decisions.push({ ticket, agentId: null, reason: choice.reason });
          else if (policy === 'none') settledWithoutEvent.push(ticket.ticket_id);
          if (policy !== 'none') forPolicy.push(ticket);
        }
      }
    }
    for (const ticket of waiting) {
      if (queue === 'psm' && ticket.routed_assignee !== null) continue;
      if (policy === 'none') settledWithoutEvent.push(ticket.ticket_id);
      else forPolicy.push(ticket);
    }

    let unassigned = 0;
    const assignedTo = new Map<string, number>();
    if (policy !== 'none' && forPolicy.length > 0) {
      agents ??= await this.available(manager, queue);
      const assignments = assignWaiting(
        forPolicy.map((ticket) => ({ ticketId: ticket.ticket_id, locale: ticket.locale })),
        agents,
        policy,
        this.spec.preferLanguage,
        now.getTime(),
      );
      const byId = new Map(forPolicy.map((ticket) => [ticket.ticket_id, ticket]));
      for (const assignment of assignments) {
        decisions.push({
          ticket: byId.get(assignment.ticketId)!,
          agentId: assignment.agentId,
          reason: assignment.reason,
        });
        assignedTo.set(assignment.agentId, (assignedTo.get(assignment.agentId) ?? 0) + 1);
      }
      unassigned = forPolicy.length - assignments.length;
      for (const agent of agents)
        assignmentMetrics.load.set({ agent: agent.agentId }, agent.load + (assignedTo.get(agent.agentId) ?? 0));
    }
    assignmentMetrics.waiting.set({ queue }, unassigned);

    const { events, changes } = policyAssignmentEvents(
      decisions.map(({ ticket, agentId, reason }) => ({
        ticketId: ticket.ticket_id,
        requestId: ticket.request_id,
        agentId,
        reason,
      })),
      now.toISOString(),
      currentTrace()?.traceparent ?? null,
    );
    for (const { ticket, agentId } of decisions) {
      if (agentId !== null) {
        assignmentMetrics.assignments.inc({ queue, agent: agentId, by: 'policy' });
        if (ticket.queued_at)
          assignmentMetrics.wait.observe({ queue }, (now.getTime() - ticket.queued_at.getTime()) / 1000);
      }
    }
    if (changes.length > 0) {
      await this.projection.applyIn(manager, changes);
      await this.outbox.add(manager, events);
    }
    // Left to the pool (and agents pick from it), or nothing to decide: looked at once.
    const pooled = decisions.filter((decision) => decision.agentId === null && policy === 'none');
    const settled = [...settledWithoutEvent, ...pooled.map((decision) => decision.ticket.ticket_id)];
    if (settled.length > 0)
      await manager.query(`UPDATE desk.tickets SET assignment_settled = true WHERE ticket_id = ANY($1::text[])`, [
        settled,
      ]);
    if (assignedTo.size > 0)
      await manager.query(`UPDATE desk.agents SET last_assigned_at = $2 WHERE agent_id = ANY($1::text[])`, [
        [...assignedTo.keys()],
        now,
      ]);
    return { more: waiting.length === page && unassigned < forPolicy.length, published: events.length > 0 };
  }

  /** Online agents of the queue with their loads (unresolved tickets assigned to them). */
  private async available(manager: EntityManager, queue: Queue): Promise<AvailableAgent[]> {
    const rows = await manager.query<AgentRow[]>(
      `SELECT a.agent_id, a.status, a.queues, a.capacity, a.locales, a.last_assigned_at,
              (SELECT count(*)::int FROM desk.tickets t WHERE t.assignee = a.agent_id AND t.status <> 'resolved') AS load
         FROM desk.agents a
        WHERE a.status = 'online' AND $1 = ANY(a.queues)`,
      [queue],
    );
    return rows.map((row) => ({
      agentId: row.agent_id,
      capacity: row.capacity ?? this.spec.defaultCapacity,
      load: row.load,
      locales: row.locales,
      lastAssignedAt: row.last_assigned_at?.getTime() ?? 0,
    }));
  }

  private async statuses(manager: EntityManager, agentIds: readonly string[]): Promise<Map<string, AgentStatus>> {
    const rows = await manager.query<{ agent_id: string; status: AgentStatus }[]>(
      `SELECT agent_id, status FROM desk.agents WHERE agent_id = ANY($1::text[])`,
      [[...new Set(agentIds)]],
    );
    return new Map(rows.map((row) => [row.agent_id, row.status]));
  }

  private async backups(manager: EntityManager, tickets: readonly WaitingRow[]): Promise<Map<string, string | null>> {
    const orgs = [...new Set(tickets.map((ticket) => ticket.org_id).filter((org): org is string => org !== null))];
    if (orgs.length === 0) return new Map();
    const rows = await manager.query<{ org_id: string; backup_psm_id: string | null }[]>(
      `SELECT org_id, backup_psm_id FROM desk.psm_assignments WHERE org_id = ANY($1::text[])`,
      [orgs],
    );
    return new Map(rows.map((row) => [row.org_id, row.backup_psm_id]));
  }
}
