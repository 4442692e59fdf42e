import { randomUUID } from 'node:crypto';
import { Topics, ticketReference } from '#contracts';
import type { TicketLifecyclePayload, TicketRoutedPayload } from '#contracts';
import { submittedTicket } from '#testing';
import { planProjection } from './ticket-projection.js';

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
): { topic: string; payload: TicketLifecyclePayload; requesterRef: null } {
  return { topic: Topics.ticketsLifecycle, payload: { ticketId, event, at, actor: 'agent-1' }, requesterRef: null };
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
    expect(sut.routed).toEqual([]);
    expect(sut.lifecycle).toEqual([]);
  });

  it('records no consent as null, and a pool assignment as a null assignee', () => {
    const ticket = submittedTicket({ workspaceTesting: null });
    const routed = routedTicket({ assignee: undefined as unknown as null, orgId: undefined as unknown as null });
    const sut = planProjection([
      { topic: Topics.ticketsSubmitted, payload: ticket, requesterRef: null },
      { topic: Topics.ticketsRouted, payload: routed, requesterRef: null },
    ]);
    expect(sut.submitted[0]?.allowWorkspaceTesting).toBeNull();
    expect(sut.routed[0]).toMatchObject({
      assignee: null,
      orgId: null,
      queue: 'psm',
      priority: 'P3',
      ruleId: 'chat-to-psm',
      slaDueAt: routed.slaDueAt,
    });
  });

  it('folds several lifecycle events of one ticket into its last status and its first response', () => {
    const ticketId = randomUUID();
    const sut = planProjection([
      lifecycle(ticketId, 'replied', '2026-11-25T11:00:00.000Z'),
      lifecycle(ticketId, 'claimed', '2026-11-25T10:30:00.000Z'),
      lifecycle(ticketId, 'alert.acknowledged', '2026-11-25T10:10:00.000Z'),
      lifecycle(ticketId, 'resolved', '2026-11-25T12:00:00.000Z'),
      lifecycle(ticketId, 'reopened', '2026-11-25T13:00:00.000Z'),
    ]);
    expect(sut.lifecycle).toEqual([{ ticketId, status: 'reopened', firstResponseAt: '2026-11-25T10:30:00.000Z' }]);
  });

  it('counts a claim as the first response, and a reopening as none', () => {
    const claimed = randomUUID();
    const reopened = randomUUID();
    const sut = planProjection([
      lifecycle(claimed, 'claimed', '2026-11-25T10:00:00.000Z'),
      lifecycle(reopened, 'reopened', '2026-11-25T10:00:00.000Z'),
    ]);
    expect(sut.lifecycle).toEqual(
      expect.arrayContaining([
        { ticketId: claimed, status: 'claimed', firstResponseAt: '2026-11-25T10:00:00.000Z' },
        { ticketId: reopened, status: 'reopened', firstResponseAt: null },
      ]),
    );
    expect(sut.lifecycle).toHaveLength(2);
  });

  it('orders each kind of change by ticket', () => {
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const sut = planProjection(ids.map((id) => lifecycle(id, 'claimed', '2026-11-25T10:00:00.000Z')));
    expect(sut.lifecycle.map((change) => change.ticketId)).toEqual([...ids].sort());
  });

  it('keeps one change per ticket when the same ticket comes twice in a batch (last one wins)', () => {
    const ticket = submittedTicket();
    const sut = planProjection([
      {
        topic: Topics.ticketsRouted,
        payload: routedTicket({ ticketId: ticket.ticketId, priority: 'P3' }),
        requesterRef: null,
      },
      {
        topic: Topics.ticketsRouted,
        payload: routedTicket({ ticketId: ticket.ticketId, priority: 'P1' }),
        requesterRef: null,
      },
    ]);
    expect(sut.routed.map((change) => change.priority)).toEqual(['P1']);
  });

  test.each([
    Topics.requestsRejected,
    Topics.queuePsm,
    Topics.queueSupport,
    Topics.alertsPhoneDesk,
    Topics.notifications,
    'unknown.topic',
  ])('changes no ticket for %s', (topic) => {
    const sut = planProjection([{ topic, payload: submittedTicket(), requesterRef: null }]);
    expect(sut).toEqual({ submitted: [], routed: [], lifecycle: [] });
  });
});
