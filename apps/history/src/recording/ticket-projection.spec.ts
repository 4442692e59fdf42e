import { randomUUID } from 'node:crypto';
import { ConsumerGroups, LIFECYCLE_EVENTS, Topics, deadLetterTopic, ticketReference } from '#contracts';
import type { TicketLifecyclePayload, TicketRoutedPayload } from '#contracts';
import { submittedTicket } from '#testing';
import { projectTicket } from './ticket-projection.js';
import type { TicketProjectionUpdate } from './ticket-projection.js';

function routedTicket(overrides: Partial<TicketRoutedPayload> = {}): TicketRoutedPayload {
  const ticketId = overrides.ticketId ?? randomUUID();
  return {
    ticketId,
    reference: ticketReference(ticketId),
    queue: 'psm',
    assignee: 'psm-anna',
    priority: 'P3',
    slaDueAt: '2026-11-26T10:00:00.000Z',
    ruleId: 'chat-to-psm',
    ruleSetVersion: '2026-11-01',
    reason: 'chat question',
    alert: null,
    channel: 'chat',
    requestType: 'technical_question',
    locale: 'fr',
    orgId: 'org-1',
    routedAt: '2026-11-25T10:00:02.000Z',
    ...overrides,
  };
}

function lifecycle(event: TicketLifecyclePayload['event'], overrides: Partial<TicketLifecyclePayload> = {}): TicketLifecyclePayload {
  return { ticketId: randomUUID(), event, at: '2026-11-25T11:00:00.000Z', actor: 'agent-1', ...overrides };
}

function projected(topic: string, payload: unknown): TicketProjectionUpdate {
  const update = projectTicket(topic, payload);
  if (!update) throw new Error(`expected ${topic} to change the ticket`);
  return update;
}

/** Highest `$n` placeholder of a statement: every parameter must be used, and no more. */
function highestPlaceholder(sql: string): number {
  return Math.max(...[...sql.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])));
}

/** The column list of the INSERT, in order. */
function insertedColumns(sql: string): string[] {
  const list = /INSERT INTO history\.tickets \(([^)]*)\)/.exec(sql)?.[1] ?? '';
  return list.split(',').map((column) => column.trim());
}

describe(projectTicket.name, () => {
  describe(Topics.ticketsSubmitted, () => {
    it('upserts the ticket as received with the parameters in column order', () => {
      const ticket = submittedTicket();

      const sut = projected(Topics.ticketsSubmitted, ticket);

      expect(sut.sql).toMatch(/INSERT INTO history\.tickets/);
      expect(sut.sql).toMatch(/ON CONFLICT \(ticket_id\) DO UPDATE/);
      expect(sut.sql).toContain("'received'");
      expect(insertedColumns(sut.sql)).toEqual([
        'ticket_id',
        'reference',
        'request_id',
        'status',
        'channel',
        'request_type',
        'urgency',
        'org_id',
        'requester_user_id',
        'allow_workspace_testing',
        'received_at',
        'updated_at',
      ]);
      expect(sut.parameters).toEqual([
        ticket.ticketId,
        ticket.reference,
        ticket.requestId,
        ticket.channel,
        ticket.requestType,
        ticket.urgency,
        ticket.requester.orgId,
        ticket.requester.userId,
        true,
        ticket.receivedAt,
      ]);
      expect(highestPlaceholder(sut.sql)).toBe(sut.parameters.length);
    });

    test.each([
      { name: 'refused consent', workspaceTesting: { granted: false, grantedBy: 'user-1', recordedAt: '2026-11-25T10:00:00.000Z' }, expected: false },
      { name: 'no consent recorded', workspaceTesting: null, expected: null },
    ])('records $name as allow_workspace_testing $expected', ({ workspaceTesting, expected }) => {
      const sut = projected(Topics.ticketsSubmitted, submittedTicket({ workspaceTesting }));

      expect(sut.parameters[8]).toBe(expected);
    });

    it('writes null, never undefined, for a ticket without request type or known requester', () => {
      const ticket = submittedTicket({ channel: 'email', requestType: null, requester: { userId: null, orgId: null, email: 'x@example.org', name: null } });
      const withoutOptional = { ...ticket, requestType: undefined, requester: { email: 'x@example.org' } };

      const sut = projected(Topics.ticketsSubmitted, withoutOptional);

      expect(sut.parameters[4]).toBeNull();
      expect(sut.parameters[6]).toBeNull();
      expect(sut.parameters[7]).toBeNull();
      expect(sut.parameters).not.toContain(undefined);
    });
  });

  describe(Topics.ticketsRouted, () => {
    it('upserts the routing decision with the parameters in column order', () => {
      const routed = routedTicket();

      const sut = projected(Topics.ticketsRouted, routed);

      expect(sut.sql).toMatch(/INSERT INTO history\.tickets/);
      expect(sut.sql).toContain("'routed'");
      expect(insertedColumns(sut.sql)).toEqual([
        'ticket_id',
        'reference',
        'status',
        'channel',
        'request_type',
        'org_id',
        'queue',
        'assignee',
        'priority',
        'sla_due_at',
        'rule_id',
        'routed_at',
        'updated_at',
      ]);
      expect(sut.parameters).toEqual([
        routed.ticketId,
        routed.reference,
        routed.channel,
        routed.requestType,
        routed.orgId,
        routed.queue,
        routed.assignee,
        routed.priority,
        routed.slaDueAt,
        routed.ruleId,
        routed.routedAt,
      ]);
      expect(highestPlaceholder(sut.sql)).toBe(sut.parameters.length);
    });

    it('only moves a received ticket to routed, so a late routed event does not undo a later status', () => {
      const sut = projected(Topics.ticketsRouted, routedTicket());

      expect(sut.sql).toMatch(/status = CASE WHEN history\.tickets\.status = 'received' THEN 'routed' ELSE history\.tickets\.status END/);
    });

    it('writes null for a pool assignment, no request type and no organisation', () => {
      const sut = projected(Topics.ticketsRouted, { ...routedTicket(), assignee: undefined, requestType: undefined, orgId: undefined });

      expect(sut.parameters[3]).toBeNull();
      expect(sut.parameters[4]).toBeNull();
      expect(sut.parameters[6]).toBeNull();
      expect(sut.parameters).not.toContain(undefined);
    });
  });

  describe(Topics.ticketsLifecycle, () => {
    test.each(['claimed', 'replied', 'resolved', 'reopened'] as const)('sets the status for %s with ticket id, event and time', (event) => {
      const payload = lifecycle(event);

      const sut = projected(Topics.ticketsLifecycle, payload);

      expect(sut.sql).toMatch(/INSERT INTO history\.tickets \(ticket_id, status, first_response_at, updated_at\)/);
      expect(sut.sql).toMatch(/COALESCE\(history\.tickets\.first_response_at, \$3::timestamptz\)/);
      expect(sut.parameters).toEqual([payload.ticketId, event, payload.at]);
      expect(highestPlaceholder(sut.sql)).toBe(sut.parameters.length);
    });

    test.each(['alert.acknowledged', 'alert.escalated'] as const)('leaves the ticket alone for %s', (event) => {
      const sut = projectTicket(Topics.ticketsLifecycle, lifecycle(event, { alertId: randomUUID() }));

      expect(sut).toBeNull();
    });

    it('covers every lifecycle event of the contract', () => {
      const sut = LIFECYCLE_EVENTS.filter((event) => projectTicket(Topics.ticketsLifecycle, lifecycle(event)) !== null);

      expect(sut).toEqual(['claimed', 'replied', 'resolved', 'reopened']);
    });
  });

  test.each([
    Topics.requests,
    Topics.requestsRejected,
    Topics.queuePsm,
    Topics.queueSupport,
    Topics.alertsPhoneDesk,
    Topics.notifications,
    Topics.psmAssignments,
    deadLetterTopic(Topics.ticketsSubmitted, ConsumerGroups.history),
    'unknown.topic',
  ])('gives null for %s, which does not change tickets', (topic) => {
    const sut = projectTicket(topic, submittedTicket());

    expect(sut).toBeNull();
  });
});
