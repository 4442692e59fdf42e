import { randomUUID } from 'node:crypto';
import { Topics } from '#contracts';
import type { DueTime } from '#rules';
import { isSlaBreached, toPersonalDataView, toTicketView, toTimelineEntry } from './ticket.views.js';
import type { EventRow, TicketRow } from './ticket.repository.js';

const NO_PERSONAL_DATA = { status: 'unknown', erasedAt: null, requester: null, subject: null, message: null } as const;
const DUE = new Date('2026-11-25T12:00:00.000Z');
const BEFORE_DUE = new Date('2026-11-25T11:59:59.000Z');
const AFTER_DUE = new Date('2026-11-25T12:00:01.000Z');
const FOLLOW_UP = new Date('2026-11-26T09:00:00.000Z');
const NEXT_RESPONSE_MS = 3_600_000;
/** Every response due an hour after what it answers. */
const ONE_HOUR_LATER: DueTime = (_priority, from) => new Date(from.getTime() + NEXT_RESPONSE_MS);

function ticketRow(overrides: Partial<TicketRow> = {}): TicketRow {
  const ticketId = randomUUID();
  return {
    ticket_id: ticketId,
    reference: 'SR-7K4Q-M2XD',
    request_id: `req-${ticketId}`,
    status: 'routed',
    channel: 'form',
    request_type: 'bug',
    urgency: 'high',
    org_id: 'org-1',
    queue: 'support',
    assignee: null,
    priority: 'P2',
    sla_due_at: DUE,
    first_response_at: null,
    assigned: false,
    claimed_by: null,
    last_reply_at: null,
    awaiting_since: null,
    resolved_at: null,
    next_response_due_at: null,
    next_response_breached: false,
    rule_id: 'technical',
    allow_workspace_testing: true,
    received_at: new Date('2026-11-25T08:00:00.000Z'),
    routed_at: new Date('2026-11-25T08:00:01.000Z'),
    subject_ref: null,
    personal_data_erased_at: null,
    ...overrides,
  };
}

function eventRow(topic: string, payload: Record<string, unknown>, overrides: Partial<EventRow> = {}): EventRow {
  return {
    seq: '1',
    ce_id: randomUUID(),
    topic,
    type: 'test.some.v1',
    occurred_at: new Date('2026-11-25T08:00:01.250Z'),
    payload,
    key_id: null,
    personal_data: null,
    ...overrides,
  };
}

describe(isSlaBreached.name, () => {
  test.each([
    {
      name: 'no due date, never answered, long ago',
      row: { sla_due_at: null },
      now: new Date('2030-01-01T00:00:00.000Z'),
      breached: false,
    },
    {
      name: 'no due date, answered',
      row: { sla_due_at: null, first_response_at: AFTER_DUE, last_reply_at: AFTER_DUE, status: 'pending' },
      now: AFTER_DUE,
      breached: false,
    },
    {
      name: 'answered before the due time, checked later',
      row: { first_response_at: BEFORE_DUE, last_reply_at: BEFORE_DUE, status: 'pending' },
      now: new Date('2026-12-01T00:00:00.000Z'),
      breached: false,
    },
    {
      name: 'answered exactly at the due time',
      row: { first_response_at: DUE, last_reply_at: DUE, status: 'pending' },
      now: AFTER_DUE,
      breached: false,
    },
    {
      name: 'answered after the due time',
      row: { first_response_at: AFTER_DUE, last_reply_at: AFTER_DUE, status: 'pending' },
      now: AFTER_DUE,
      breached: true,
    },
    {
      name: 'answered late, then resolved',
      row: { first_response_at: AFTER_DUE, last_reply_at: AFTER_DUE, resolved_at: AFTER_DUE, status: 'resolved' },
      now: AFTER_DUE,
      breached: true,
    },
    {
      name: 'answered in time, a follow-up waiting within its next-response due time',
      row: { first_response_at: BEFORE_DUE, awaiting_since: FOLLOW_UP, status: 'open' },
      now: new Date(FOLLOW_UP.getTime() + NEXT_RESPONSE_MS),
      breached: false,
    },
    {
      name: 'answered in time, a follow-up waiting past its next-response due time',
      row: { first_response_at: BEFORE_DUE, awaiting_since: FOLLOW_UP, status: 'open' },
      now: new Date(FOLLOW_UP.getTime() + NEXT_RESPONSE_MS + 1),
      breached: true,
    },
    {
      name: 'answered in time, a follow-up answered late',
      row: { first_response_at: BEFORE_DUE, next_response_breached: true, status: 'pending' },
      now: AFTER_DUE,
      breached: true,
    },
    { name: 'not answered, due time not passed', row: {}, now: BEFORE_DUE, breached: false },
    { name: 'not answered, exactly at the due time', row: {}, now: DUE, breached: false },
    { name: 'not answered, due time passed', row: {}, now: AFTER_DUE, breached: true },
    {
      name: 'claimed but not answered (a claim is no response), due time passed',
      row: { status: 'claimed', claimed_by: 'agent-1' },
      now: AFTER_DUE,
      breached: true,
    },
    {
      name: 'resolved without an answer after the due time',
      row: { status: 'resolved', resolved_at: AFTER_DUE },
      now: AFTER_DUE,
      breached: true,
    },
    {
      name: 'resolved without an answer before the due time, checked later',
      row: { status: 'resolved', resolved_at: BEFORE_DUE },
      now: AFTER_DUE,
      breached: false,
    },
  ])('$name: breached = $breached', ({ row, now, breached }) => {
    const sut = isSlaBreached(ticketRow(row), now, ONE_HOUR_LATER);

    expect(sut).toBe(breached);
  });
});

describe(toTimelineEntry.name, () => {
  test.each([
    {
      topic: Topics.ticketsSubmitted,
      payload: {
        ticketId: 't',
        channel: 'form',
        requestType: 'bug',
        urgency: 'high',
        locale: 'fr',
        message: 'secret text',
        requester: { email: 'a@example.org' },
      },
      details: { channel: 'form', requestType: 'bug', urgency: 'high', locale: 'fr' },
    },
    {
      topic: Topics.ticketsRouted,
      payload: {
        ticketId: 't',
        queue: 'support',
        assignee: null,
        priority: 'P1',
        slaDueAt: '2026-11-25T08:30:00.000Z',
        ruleId: 'urgent-access',
        ruleSetVersion: 'v7',
        reason: 'access',
        alert: { target: 'phone-desk' },
        orgId: 'org-1',
        reference: 'SR-AAAA-BBBB',
      },
      details: {
        queue: 'support',
        assignee: null,
        priority: 'P1',
        slaDueAt: '2026-11-25T08:30:00.000Z',
        ruleId: 'urgent-access',
        ruleSetVersion: 'v7',
        reason: 'access',
        alert: { target: 'phone-desk' },
      },
    },
    {
      topic: Topics.queuePsm,
      payload: { queue: 'psm', assignee: 'psm-anna', priority: 'P3', ticket: { message: 'secret' } },
      details: { queue: 'psm', assignee: 'psm-anna', priority: 'P3' },
    },
    {
      topic: Topics.queueSupport,
      payload: { queue: 'support', assignee: null, priority: 'P2', reason: 'x' },
      details: { queue: 'support', assignee: null, priority: 'P2' },
    },
    {
      topic: Topics.alertsPhoneDesk,
      payload: {
        alertId: 'a-1',
        target: 'on-call',
        priority: 'P1',
        reason: 'access',
        orgId: 'org-1',
        channel: 'phone',
      },
      details: { alertId: 'a-1', target: 'on-call', priority: 'P1', reason: 'access' },
    },
    {
      topic: Topics.ticketsLifecycle,
      payload: { event: 'claimed', actor: 'agent-1', note: 'private note', at: 'x' },
      details: { event: 'claimed', actor: 'agent-1' },
    },
    {
      topic: Topics.ticketsLifecycle,
      payload: { event: 'assigned', actor: null, agentId: 'agent-7', by: 'policy', reason: 'least loaded', at: 'x' },
      details: { event: 'assigned', actor: null, agentId: 'agent-7', by: 'policy', reason: 'least loaded' },
    },
    {
      topic: Topics.personalDataAccessed,
      payload: { accessId: 'a-1', ticketId: 't', actor: 'agent-7', purpose: 'desk.ticket', at: 'x' },
      details: { accessId: 'a-1', actor: 'agent-7', purpose: 'desk.ticket', at: 'x' },
    },
    {
      topic: Topics.notifications,
      payload: {
        notificationId: 'n-1',
        audience: 'requester',
        channel: 'log',
        outcome: 'sent',
        attempt: 1,
        error: null,
        at: 'x',
      },
      details: { notificationId: 'n-1', audience: 'requester', channel: 'log', outcome: 'sent', attempt: 1 },
    },
    { topic: 'unknown.topic', payload: { secret: 'x', queue: 'psm' }, details: {} },
  ])('keeps only the listed details of $topic', ({ topic, payload, details }) => {
    const row = eventRow(topic, payload, { type: 'test.event.v1' });

    const sut = toTimelineEntry(row);

    expect(sut).toEqual({ id: row.ce_id, type: 'test.event.v1', topic, time: '2026-11-25T08:00:01.250Z', ...details });
  });

  it('shows a message with its direction, visibility and author kind, the body as given (null: unreadable)', () => {
    const row = eventRow(
      Topics.ticketsMessages,
      {
        ticketId: 't',
        messageId: 'm-1',
        direction: 'outbound',
        visibility: 'internal',
        author: { kind: 'agent' },
        channel: 'email',
        sentAt: '2026-11-25T08:00:01.250Z',
      },
      { type: 'test.event.v1' },
    );

    expect(toTimelineEntry(row, 'a note')).toEqual({
      id: row.ce_id,
      type: 'test.event.v1',
      topic: Topics.ticketsMessages,
      time: '2026-11-25T08:00:01.250Z',
      messageId: 'm-1',
      direction: 'outbound',
      visibility: 'internal',
      authorKind: 'agent',
      channel: 'email',
      sentAt: '2026-11-25T08:00:01.250Z',
      body: 'a note',
    });
    expect(toTimelineEntry(row).body).toBeNull();
  });

  it('leaves out listed fields the payload does not have', () => {
    const sut = toTimelineEntry(eventRow(Topics.ticketsLifecycle, { event: 'alert.acknowledged' }));

    expect(Object.keys(sut).sort()).toEqual(['event', 'id', 'time', 'topic', 'type']);
  });
});

describe(toTicketView.name, () => {
  it('maps the row, with ISO times and the SLA verdict', () => {
    const row = ticketRow({ assignee: 'psm-anna', queue: 'psm', priority: 'P3', allow_workspace_testing: false });

    const sut = toTicketView(row, [], AFTER_DUE, NO_PERSONAL_DATA, ONE_HOUR_LATER);

    expect(sut).toEqual({
      ticketId: row.ticket_id,
      reference: row.reference,
      status: 'routed',
      channel: 'form',
      requestType: 'bug',
      queue: 'psm',
      assignee: 'psm-anna',
      priority: 'P3',
      slaDueAt: '2026-11-25T12:00:00.000Z',
      slaBreached: true,
      allowWorkspaceTesting: false,
      firstResponseAt: null,
      nextResponseDueAt: null,
      personalData: NO_PERSONAL_DATA,
      timeline: [],
    });
  });

  it('exposes only the view fields, not the organisation, request id or urgency of the row', () => {
    const sut = toTicketView(ticketRow(), [], BEFORE_DUE, NO_PERSONAL_DATA, ONE_HOUR_LATER);

    expect(Object.keys(sut).sort()).toEqual([
      'allowWorkspaceTesting',
      'assignee',
      'channel',
      'firstResponseAt',
      'nextResponseDueAt',
      'personalData',
      'priority',
      'queue',
      'reference',
      'requestType',
      'slaBreached',
      'slaDueAt',
      'status',
      'ticketId',
      'timeline',
    ]);
  });

  it('gives null times and no breach for a ticket not yet routed', () => {
    const sut = toTicketView(
      ticketRow({ status: 'received', sla_due_at: null, queue: null, priority: null, allow_workspace_testing: null }),
      [],
      AFTER_DUE,
      NO_PERSONAL_DATA,
      ONE_HOUR_LATER,
    );

    expect(sut).toMatchObject({
      slaDueAt: null,
      slaBreached: false,
      queue: null,
      priority: null,
      allowWorkspaceTesting: null,
    });
  });

  it('keeps the events in the given order as timeline entries', () => {
    const submitted = eventRow(
      Topics.ticketsSubmitted,
      { channel: 'form', message: 'secret' },
      { occurred_at: new Date('2026-11-25T08:00:00.000Z') },
    );
    const routed = eventRow(
      Topics.ticketsRouted,
      { queue: 'support', reference: 'x' },
      { occurred_at: new Date('2026-11-25T08:00:01.000Z') },
    );

    const sut = toTicketView(
      ticketRow(),
      [submitted, routed].map((event) => toTimelineEntry(event)),
      BEFORE_DUE,
      NO_PERSONAL_DATA,
      ONE_HOUR_LATER,
    );

    expect(sut.timeline).toEqual([
      {
        id: submitted.ce_id,
        type: submitted.type,
        topic: Topics.ticketsSubmitted,
        time: '2026-11-25T08:00:00.000Z',
        channel: 'form',
      },
      {
        id: routed.ce_id,
        type: routed.type,
        topic: Topics.ticketsRouted,
        time: '2026-11-25T08:00:01.000Z',
        queue: 'support',
      },
    ]);
  });
});

describe(toPersonalDataView.name, () => {
  it('shows the decrypted requester, subject and message', () => {
    const sut = toPersonalDataView(
      ticketRow(),
      { subject: 'Accès', message: 'Bloquée', 'requester.userId': 'u-1', 'requester.email': 'lea@example.org' },
      false,
    );
    expect(sut).toEqual({
      status: 'present',
      erasedAt: null,
      requester: { userId: 'u-1', email: 'lea@example.org', name: null },
      subject: 'Accès',
      message: 'Bloquée',
    });
  });

  it('shows every personal field as erased once the key is gone, with the erasure time when recorded', () => {
    const erasedAt = new Date('2026-11-28T09:00:00.000Z');
    const sut = toPersonalDataView(ticketRow({ personal_data_erased_at: erasedAt }), null, true);
    expect(sut).toEqual({
      status: 'erased',
      erasedAt: '2026-11-28T09:00:00.000Z',
      requester: null,
      subject: null,
      message: null,
    });
  });

  it('says unknown when history has no submitted event for the ticket yet', () => {
    expect(toPersonalDataView(ticketRow(), null, false).status).toBe('unknown');
  });
});
