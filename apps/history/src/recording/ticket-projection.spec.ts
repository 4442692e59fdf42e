import { randomUUID } from 'node:crypto';
import { Topics, ticketReference } from '#contracts';
import type { TicketLifecyclePayload, TicketMessagePayload, TicketRoutedPayload } from '#contracts';
import { NEW_TICKET_PROGRESS } from '#rules';
import type { DueTime, TicketProgress } from '#rules';
import { submittedTicket, ticketMessage } from '#testing';
import { foldProgress, planProjection } from './ticket-projection.js';
import type { ProjectedEvent } from './ticket-projection.js';

const HOUR_MS = 3_600_000;
/** Every response due four hours after what it answers. */
const FOUR_HOURS: DueTime = (_priority, from) => new Date(from.getTime() + 4 * HOUR_MS);

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

function lifecycle(
  ticketId: string,
  event: TicketLifecyclePayload['event'],
  at: string,
  extra: Partial<TicketLifecyclePayload> = {},
): ProjectedEvent {
  return {
    topic: Topics.ticketsLifecycle,
    payload: { ticketId, event, at, actor: 'agent-1', ...extra },
    requesterRef: null,
  };
}

function message(ticketId: string, sentAt: string, overrides: Partial<TicketMessagePayload> = {}): ProjectedEvent {
  return {
    topic: Topics.ticketsMessages,
    payload: ticketMessage({ ticketId, sentAt, ...overrides }),
    requesterRef: null,
  };
}

function reply(ticketId: string, sentAt: string): ProjectedEvent {
  return message(ticketId, sentAt, { direction: 'outbound', author: { kind: 'agent', id: 'agent-1' } });
}

/** Each batch projected after the one before, as the store does (the progress read back between them). */
function projectBatches(batches: readonly (readonly ProjectedEvent[])[]): Map<string, TicketProgress> {
  const stored = new Map<string, TicketProgress>();
  for (const batch of batches) {
    for (const steps of planProjection(batch).progress) {
      const folded = foldProgress(steps, stored.get(steps.ticketId) ?? NEW_TICKET_PROGRESS, FOUR_HOURS);
      stored.set(steps.ticketId, folded.progress);
    }
  }
  return stored;
}

function fold(ticketId: string, events: readonly ProjectedEvent[]): ReturnType<typeof foldProgress> {
  const steps = planProjection(events).progress.find((candidate) => candidate.ticketId === ticketId);
  return foldProgress(steps ?? { ticketId, changes: [], routed: null }, NEW_TICKET_PROGRESS, FOUR_HOURS);
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

describe(planProjection.name, () => {
  it('takes the submitted ticket’s fields, its requester reference and its consent', () => {
    const ticket = submittedTicket({
      requestType: null,
      workspaceTesting: { granted: false, grantedBy: 'user-1', recordedAt: '2026-11-25T10:00:00.000Z' },
    });
    const sut = planProjection([{ topic: Topics.ticketsSubmitted, payload: ticket, requesterRef: 'ref-1' }]);
    expect(sut.submitted).toEqual([
      {
        ticketId: ticket.ticketId,
        reference: ticket.reference,
        requestId: ticket.requestId,
        channel: ticket.channel,
        requestType: null,
        urgency: ticket.urgency,
        orgId: 'org-1',
        subjectRef: 'ref-1',
        allowWorkspaceTesting: false,
        receivedAt: ticket.receivedAt,
      },
    ]);
    expect(sut.progress).toEqual([]);
  });

  it('records no consent as null, and a routing decision as the ticket’s queue, priority and due time', () => {
    const ticket = submittedTicket({ workspaceTesting: null });
    const routed = routedTicket({ assignee: undefined as unknown as null, orgId: undefined as unknown as null });
    const sut = planProjection([
      { topic: Topics.ticketsSubmitted, payload: ticket, requesterRef: null },
      { topic: Topics.ticketsRouted, payload: routed, requesterRef: null },
    ]);
    expect(sut.submitted[0]?.allowWorkspaceTesting).toBeNull();
    expect(sut.progress).toEqual([
      {
        ticketId: routed.ticketId,
        routed: {
          ticketId: routed.ticketId,
          reference: routed.reference,
          channel: 'chat',
          requestType: 'technical_question',
          orgId: null,
          ruleId: 'chat-to-psm',
          routedAt: routed.routedAt,
        },
        changes: [
          { kind: 'routed', queue: 'psm', priority: 'P3', slaDueAt: new Date(routed.slaDueAt), assignee: null },
        ],
      },
    ]);
  });

  it('orders each kind of change by ticket', () => {
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const sut = planProjection(ids.map((id) => lifecycle(id, 'claimed', '2026-11-25T10:00:00.000Z')));
    expect(sut.progress.map((change) => change.ticketId)).toEqual([...ids].sort());
  });

  it('keeps one routing change per ticket when the same ticket comes twice in a batch (last one wins)', () => {
    const ticket = submittedTicket();
    const sut = planProjection([
      {
        topic: Topics.ticketsRouted,
        payload: routedTicket({ ticketId: ticket.ticketId, ruleId: 'first' }),
        requesterRef: null,
      },
      {
        topic: Topics.ticketsRouted,
        payload: routedTicket({ ticketId: ticket.ticketId, ruleId: 'second' }),
        requesterRef: null,
      },
    ]);
    expect(sut.progress.map((change) => change.routed?.ruleId)).toEqual(['second']);
    expect(sut.progress[0]?.changes).toHaveLength(2);
  });

  test.each([
    Topics.requestsRejected,
    Topics.queuePsm,
    Topics.queueSupport,
    Topics.alertsPhoneDesk,
    Topics.notifications,
    Topics.personalDataAccessed,
    'unknown.topic',
  ])('changes no ticket for %s', (topic) => {
    const sut = planProjection([{ topic, payload: submittedTicket(), requesterRef: null }]);
    expect(sut).toEqual({ submitted: [], progress: [] });
  });
});

describe(foldProgress.name, () => {
  const ticketId = randomUUID();
  const routed: ProjectedEvent = {
    topic: Topics.ticketsRouted,
    payload: routedTicket({ ticketId, slaDueAt: '2026-11-25T14:00:00.000Z', routedAt: '2026-11-25T10:00:00.000Z' }),
    requesterRef: null,
  };

  it('counts the first public reply as the first response, not a claim, and leaves the ticket pending', () => {
    const sut = fold(ticketId, [
      routed,
      lifecycle(ticketId, 'claimed', '2026-11-25T10:30:00.000Z'),
      reply(ticketId, '2026-11-25T11:00:00.000Z'),
    ]);
    expect(sut.status).toBe('pending');
    expect(sut.progress.firstResponseAt).toEqual(new Date('2026-11-25T11:00:00.000Z'));
    expect(sut.progress.claimedBy).toBe('agent-1');
    expect(sut.nextResponseDueAt).toBeNull();
  });

  it('takes a `replied` lifecycle event as a public reply too', () => {
    const sut = fold(ticketId, [routed, lifecycle(ticketId, 'replied', '2026-11-25T11:00:00.000Z')]);
    expect(sut.status).toBe('pending');
    expect(sut.progress.firstResponseAt).toEqual(new Date('2026-11-25T11:00:00.000Z'));
  });

  it('ignores internal notes for the status and the responses', () => {
    const sut = fold(ticketId, [
      routed,
      message(ticketId, '2026-11-25T11:00:00.000Z', {
        direction: 'outbound',
        visibility: 'internal',
        author: { kind: 'agent', id: 'agent-1' },
      }),
    ]);
    expect(sut.status).toBe('routed');
    expect(sut.progress.firstResponseAt).toBeNull();
  });

  it('opens the ticket on a follow-up, with its next-response due time', () => {
    const sut = fold(ticketId, [
      routed,
      reply(ticketId, '2026-11-25T11:00:00.000Z'),
      message(ticketId, '2026-11-25T12:00:00.000Z'),
    ]);
    expect(sut.status).toBe('open');
    expect(sut.nextResponseDueAt).toEqual(new Date('2026-11-25T16:00:00.000Z'));
  });

  it('reopens a resolved ticket on a later follow-up, not on an earlier one', () => {
    const resolved = [
      routed,
      reply(ticketId, '2026-11-25T11:00:00.000Z'),
      lifecycle(ticketId, 'resolved', '2026-11-25T13:00:00.000Z'),
    ];
    expect(fold(ticketId, [...resolved, message(ticketId, '2026-11-25T12:00:00.000Z')]).status).toBe('resolved');
    expect(fold(ticketId, [...resolved, message(ticketId, '2026-11-25T14:00:00.000Z')]).status).toBe('open');
  });

  it('marks a follow-up answered after its due time as a breach that stays', () => {
    const sut = fold(ticketId, [
      routed,
      reply(ticketId, '2026-11-25T11:00:00.000Z'),
      message(ticketId, '2026-11-25T12:00:00.000Z'),
      reply(ticketId, '2026-11-25T16:00:01.000Z'),
    ]);
    expect(sut.status).toBe('pending');
    expect(sut.progress.nextResponseBreached).toBe(true);
  });

  it('gives the ticket to the agent of an `assigned` event, and back to the queue without one', () => {
    const assigned = fold(ticketId, [
      routed,
      lifecycle(ticketId, 'assigned', '2026-11-25T10:05:00.000Z', { actor: null, agentId: 'agent-7', by: 'policy' }),
    ]);
    expect(assigned.status).toBe('assigned');
    expect(assigned.progress.assignee).toBe('agent-7');
    const givenBack = fold(ticketId, [
      routed,
      lifecycle(ticketId, 'assigned', '2026-11-25T10:05:00.000Z', { actor: null, agentId: 'agent-7', by: 'policy' }),
      lifecycle(ticketId, 'assigned', '2026-11-25T10:15:00.000Z', { actor: null, agentId: null, by: 'policy' }),
    ]);
    expect(givenBack.status).toBe('routed');
    expect(givenBack.progress.assignee).toBeNull();
  });

  const conversation = [
    routed,
    lifecycle(ticketId, 'claimed', '2026-11-25T10:30:00.000Z'),
    reply(ticketId, '2026-11-25T11:00:00.000Z'),
    message(ticketId, '2026-11-25T11:10:00.000Z', {
      direction: 'outbound',
      visibility: 'internal',
      author: { kind: 'agent', id: 'agent-1' },
    }),
    message(ticketId, '2026-11-25T12:00:00.000Z'),
  ];

  it('gives the same ticket whatever the order of the messages, one batch each', () => {
    const expected = projectBatches(conversation.map((event) => [event])).get(ticketId);
    for (const order of permutations(conversation)) {
      const sut = projectBatches(order.map((event) => [event])).get(ticketId) as TicketProgress;
      expect(sut).toEqual(expected);
      const folded = foldProgress({ ticketId, changes: [], routed: null }, sut, FOUR_HOURS);
      expect(folded.status).toBe('open');
      expect(folded.progress.firstResponseAt).toEqual(new Date('2026-11-25T11:00:00.000Z'));
      expect(folded.nextResponseDueAt).toEqual(new Date('2026-11-25T16:00:00.000Z'));
    }
  });

  it('orders a batch’s changes by their own times: a resolution and follow-ups in any order in one batch', () => {
    const story = [
      routed,
      reply(ticketId, '2026-11-25T11:00:00.000Z'),
      message(ticketId, '2026-11-25T12:00:00.000Z'),
      reply(ticketId, '2026-11-25T12:30:00.000Z'),
      lifecycle(ticketId, 'resolved', '2026-11-25T13:00:00.000Z'),
      message(ticketId, '2026-11-25T14:00:00.000Z'),
    ];
    for (const order of permutations(story)) {
      const sut = fold(ticketId, order);
      expect(sut.status).toBe('open');
      expect(sut.nextResponseDueAt).toEqual(new Date('2026-11-25T18:00:00.000Z'));
      expect(sut.progress.resolvedAt).toBeNull();
    }
  });
});
