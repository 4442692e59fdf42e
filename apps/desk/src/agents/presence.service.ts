import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { QUEUES, Topics, validatePayload, withoutNulls } from '#contracts';
import type { AgentPresencePayload, Queue } from '#contracts';
import { currentTrace } from '#kafka';
import { ApplicationError, Clock, OutboxRelay, OutboxRepository } from '#platform';
import type { UserPrincipal } from '#platform';
import type { AssignmentSpec } from '#rules';
import { Assigner } from '../assignment/assigner.js';
import { policyAssignmentEvents } from '../assignment/policy-assignment.js';
import { ASSIGNMENT_SPEC } from '../service-levels.provider.js';
import { DeskErrorCode, invalidBody } from '../tickets/desk-actions.service.js';
import { DeskProjection } from '../tickets/desk-projection.js';
import { isLead, queuesOf } from '../tickets/queue-access.js';
import { DeskAgent } from './desk-agent.entity.js';
import { PresenceBody } from './presence.body.js';

export interface AgentLoad {
  readonly agent: DeskAgent;
  readonly capacity: number;
  /** Unresolved tickets assigned to them. */
  readonly load: number;
}

/**
 * Agents' presence: set by themselves through desk (published on `support.agents.v1`) or by any tool
 * writing that topic. An agent who goes away or offline, or stops working a queue, gives back the
 * tickets assigned to them and not claimed yet; assignment then gives them to someone else.
 */
@Injectable()
export class PresenceService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly projection: DeskProjection,
    private readonly outbox: OutboxRepository,
    private readonly relay: OutboxRelay,
    private readonly assigner: Assigner,
    private readonly clock: Clock,
    @Inject(ASSIGNMENT_SPEC) private readonly spec: AssignmentSpec,
  ) {}

  async setOwn(user: UserPrincipal, body: unknown): Promise<AgentLoad> {
    const validation = validatePayload(PresenceBody, withoutNulls(body ?? {}));
    if (!validation.ok) throw invalidBody(validation.errors);
    const request = validation.value;
    const allowed = queuesOf(user);
    const queues = [...new Set(request.queues ?? allowed)].sort();
    const refused = queues.filter((queue) => !allowed.includes(queue));
    if (refused.length > 0)
      throw new ApplicationError(DeskErrorCode.notYourQueue, 403, `you do not work the ${refused.join(', ')} queue`);
    const presence: AgentPresencePayload = {
      agentId: user.userId,
      status: request.status,
      queues,
      capacity: request.capacity ?? null,
      locales: request.locales ?? null,
      updatedAt: this.clock.now().toISOString(),
    };
    await this.dataSource.transaction((manager) => this.apply(manager, user.userId, presence, true));
    this.relay.wake();
    this.assigner.wake();
    return (await this.loads([user.userId]))[0]!;
  }

  /** Presence read from `support.agents.v1` (null: the agent was removed), in order. */
  async applyConsumed(
    records: readonly { readonly agentId: string; readonly presence: AgentPresencePayload | null }[],
  ): Promise<void> {
    if (records.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      for (const record of records) await this.apply(manager, record.agentId, record.presence, false);
    });
    this.relay.wake();
    this.assigner.wake();
  }

  /** Every agent (or those named) with their capacity and load, for team leads. */
  async loads(agentIds?: readonly string[]): Promise<AgentLoad[]> {
    const query = this.dataSource.getRepository(DeskAgent).createQueryBuilder('agent').orderBy('agent.agentId');
    if (agentIds !== undefined) query.where('agent.agentId IN (:...ids)', { ids: agentIds });
    const agents = await query.getMany();
    if (agents.length === 0) return [];
    const rows = await this.dataSource.query<{ assignee: string; load: number }[]>(
      `SELECT assignee, count(*)::int AS load FROM desk.tickets WHERE status <> 'resolved' AND assignee = ANY($1::text[]) GROUP BY assignee`,
      [agents.map((agent) => agent.agentId)],
    );
    const loads = new Map(rows.map((row) => [row.assignee, row.load]));
    return agents.map((agent) => ({
      agent,
      capacity: agent.capacity ?? this.spec.defaultCapacity,
      load: loads.get(agent.agentId) ?? 0,
    }));
  }

  mayList(user: UserPrincipal): void {
    if (!isLead(user))
      throw new ApplicationError(DeskErrorCode.leadRequired, 403, "only team leads (role lead) see every agent's load");
  }

  private async apply(
    manager: EntityManager,
    agentId: string,
    presence: AgentPresencePayload | null,
    publish: boolean,
  ): Promise<void> {
    // Assignment passes of these queues wait (and see the new presence afterwards).
    await Assigner.lockQueues(manager, QUEUES);
    const repository = manager.getRepository(DeskAgent);
    const previous = await repository.findOne({ where: { agentId }, lock: { mode: 'pessimistic_write' } });
    const now = this.clock.now();
    // A record older than what desk holds (a replay) changes nothing.
    if (previous && presence?.updatedAt && Date.parse(presence.updatedAt) < previous.updatedAt.getTime()) return;
    if (presence === null) {
      if (previous) await repository.delete({ agentId });
    } else {
      await repository.save(
        Object.assign(previous ?? new DeskAgent(), {
          agentId,
          status: presence.status,
          queues: presence.queues,
          capacity: presence.capacity ?? null,
          locales: presence.locales ?? null,
          updatedAt: presence.updatedAt ? new Date(presence.updatedAt) : now,
          lastAssignedAt: previous?.lastAssignedAt ?? null,
        } satisfies Omit<DeskAgent, never>),
      );
    }
    const working: readonly Queue[] = presence === null || presence.status !== 'online' ? [] : presence.queues;
    const why =
      presence === null
        ? `${agentId} was removed`
        : presence.status !== 'online'
          ? `${agentId} is ${presence.status}`
          : `${agentId} no longer works the queue`;
    const givenBack = await manager.query<{ ticket_id: string; request_id: string | null }[]>(
      `SELECT ticket_id, request_id FROM desk.tickets
        WHERE assignee = $1 AND assigned AND claimed_by IS NULL AND status <> 'resolved' AND NOT (queue = ANY($2::text[]))
        ORDER BY ticket_id FOR UPDATE`,
      [agentId, working],
    );
    const at = now.toISOString();
    const traceparent = currentTrace()?.traceparent ?? null;
    const { events, changes } = policyAssignmentEvents(
      givenBack.map((ticket) => ({
        ticketId: ticket.ticket_id,
        requestId: ticket.request_id,
        agentId: null,
        reason: `given back: ${why}`,
      })),
      at,
      traceparent,
    );
    if (changes.length > 0) await this.projection.applyIn(manager, changes);
    if (publish && presence !== null) {
      events.push({
        id: randomUUID(),
        topic: Topics.agents,
        key: agentId,
        payload: presence,
        time: at,
        correlationId: null,
        causationId: null,
        traceparent,
      });
    }
    await this.outbox.add(manager, events);
  }
}
