import { randomUUID } from 'node:crypto';
import {
  MESSAGE_MAX_LENGTH,
  TicketLifecyclePayload,
  TicketMessagePayload,
  ticketReference,
  validatePayload,
} from '#contracts';
import type { QueuedTicketPayload } from '#contracts';
import { submittedTicket } from '#testing';
import { AgentDesk } from './agent-desk.js';
import type { DeskAnswer } from './desk-answers.js';

const NOW = new Date('2026-11-25T10:00:00.000Z');

function queued(overrides: Partial<QueuedTicketPayload> = {}): QueuedTicketPayload {
  const ticket = submittedTicket({ subject: 'Export fails' });
  return {
    ticketId: ticket.ticketId,
    reference: ticketReference(ticket.ticketId),
    queue: 'support',
    assignee: null,
    priority: 'P2',
    slaDueAt: '2026-11-25T14:00:00.000Z',
    ruleId: 'technical',
    reason: 'technical request',
    ticket,
    ...overrides,
  };
}

/** A row of desk's `GET /v1/desk/queues/{queue}/tickets`, as desk.views.ts writes it. */
function deskRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const ticketId = randomUUID();
  return {
    ticketId,
    reference: ticketReference(ticketId),
    queue: 'support',
    status: 'routed',
    priority: 'P1',
    assignee: null,
    claimedBy: null,
    slaDueAt: '2026-11-25T10:20:00.000Z',
    nextResponseDueAt: null,
    subject: 'Locked out of SSO',
    channel: 'email',
    locale: 'fr',
    requestType: null,
    receivedAt: '2026-11-25T09:50:00.000Z',
    ...overrides,
  };
}

/** Desk's `GET /v1/desk/tickets/{id}` for a row: the ticket and its conversation, the request first. */
function deskTicket(row: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...row,
    urgency: 'critical',
    requester: {
      userId: null,
      name: 'Jeanne Martin',
      email: 'jeanne@example.fr',
      phone: '+33612345678',
      orgId: 'org-9',
    },
    allowWorkspaceTesting: null,
    ruleId: 'urgent-access',
    routingReason: 'urgent access problem during desk hours',
    firstResponseAt: null,
    resolvedAt: null,
    relatedTicketId: null,
    personalDataErased: false,
    conversation: [
      {
        messageId: `${String(row.ticketId)}:request`,
        direction: 'inbound',
        visibility: 'public',
        authorKind: 'requester',
        authorId: null,
        channel: 'email',
        body: 'I cannot log in since this morning.',
        sentAt: '2026-11-25T09:50:00.000Z',
      },
      {
        messageId: randomUUID(),
        direction: 'outbound',
        visibility: 'internal',
        authorKind: 'agent',
        authorId: 'agent-2',
        channel: 'email',
        body: 'SSO certificate expired?',
        sentAt: '2026-11-25T09:55:00.000Z',
      },
    ],
    ...overrides,
  };
}

const answered = (body: unknown): DeskAnswer => ({ ok: true, body });

const exactly = (text: string): RegExp => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

describe(AgentDesk.name, () => {
  let sut: AgentDesk;
  let ids: number;

  beforeEach(() => {
    ids = 0;
    sut = new AgentDesk({ queue: 'support', agentId: 'agent-7', now: () => NOW, newId: () => `message-${++ids}` });
  });

  it('shows an arriving ticket with its priority, SLA and reason, once', () => {
    const record = queued();
    const shown = sut.accept(record, 'corr-1');
    const again = sut.accept(record, 'corr-1');

    expect(shown && sut.describe(shown)).toBe(
      `#1 ${record.reference} P2 new form/bug (due in 240 min) Export fails [technical request]`,
    );
    expect(again).toBeUndefined();
  });

  it('turns claim, reply and resolve into valid lifecycle events by the agent, in order', () => {
    const record = queued();
    sut.accept(record, 'corr-1');

    const claim = sut.command(`claim ${record.reference.toLowerCase()}`);
    const reply = sut.command('reply #1 We are on it, the export works again');
    const resolve = sut.command('resolve #1');

    expect(claim.lifecycle).toMatchObject({
      ticketId: record.ticketId,
      event: 'claimed',
      actor: 'agent-7',
      at: NOW.toISOString(),
      note: null,
    });
    expect(claim.correlationId).toBe('corr-1');
    // The reply's text travels as its message, not as a note of the lifecycle event.
    expect(reply.lifecycle).toMatchObject({ event: 'replied', actor: 'agent-7', note: null });
    expect(reply.message).toMatchObject({ body: 'We are on it, the export works again' });
    expect(resolve.lifecycle).toMatchObject({ event: 'resolved' });
    expect(sut.command('list').output).toContain(`${record.reference} P2 resolved`);
  });

  it('publishes a public reply as an outbound message on the ticket’s channel and a replied event', () => {
    const record = queued({ ticket: submittedTicket({ channel: 'email', requestType: null }) });
    sut.accept(record, 'corr-1');

    const reply = sut.command(`reply ${record.reference}   Fixed:  please retry the export`);

    expect(reply.message).toEqual({
      ticketId: record.ticketId,
      messageId: 'message-1',
      direction: 'outbound',
      visibility: 'public',
      author: { kind: 'agent', id: 'agent-7' },
      channel: 'email',
      body: 'Fixed:  please retry the export',
      sentAt: NOW.toISOString(),
    });
    expect(reply.lifecycle).toEqual({
      ticketId: record.ticketId,
      event: 'replied',
      at: NOW.toISOString(),
      actor: 'agent-7',
      alertId: null,
      note: null,
    });
    expect(validatePayload(TicketMessagePayload, JSON.parse(JSON.stringify(reply.message))).ok).toBe(true);
    expect(validatePayload(TicketLifecyclePayload, JSON.parse(JSON.stringify(reply.lifecycle))).ok).toBe(true);
    expect(reply.correlationId).toBe('corr-1');
    expect(reply.output).toBe(`${record.reference} replied`);
  });

  it('publishes an internal note as a message only, never a lifecycle event, and leaves the status alone', () => {
    const record = queued();
    sut.accept(record);
    sut.command('claim #1');

    const note = sut.command('note #1 customer on the enterprise plan, call before Friday');

    expect(note.message).toEqual({
      ticketId: record.ticketId,
      messageId: 'message-1',
      direction: 'outbound',
      visibility: 'internal',
      author: { kind: 'agent', id: 'agent-7' },
      channel: 'form',
      body: 'customer on the enterprise plan, call before Friday',
      sentAt: NOW.toISOString(),
    });
    expect(note.lifecycle).toBeUndefined();
    expect(note.output).toBe(`${record.reference} note added (internal, never sent)`);
    expect(sut.command('list').output).toContain(`${record.reference} P2 claimed`);
  });

  it('notes a resolved ticket, or one claimed by someone else: a note is not a response', () => {
    sut.listed(answered({ items: [deskRow({ status: 'claimed', claimedBy: 'agent-2' })] }));
    sut.accept(queued());
    sut.command('resolve #2');

    expect(sut.command('note #1 seen it').message).toMatchObject({ visibility: 'internal' });
    expect(sut.command('note #2 closed after the call').message).toMatchObject({ visibility: 'internal' });
  });

  it('refuses a reply longer than the contract allows, without an event', () => {
    sut.accept(queued());

    const outcome = sut.command(`reply #1 ${'x'.repeat(MESSAGE_MAX_LENGTH + 1)}`);

    expect(outcome.output).toMatch(/^refused: body /);
    expect(outcome.message).toBeUndefined();
    expect(outcome.lifecycle).toBeUndefined();
    expect(sut.command('claim #1').lifecycle).toMatchObject({ event: 'claimed' });
  });

  it.each([
    { line: 'claim', output: 'usage: claim <ref|#n>' },
    { line: 'claim SR-XXXX-XXXX', output: 'no ticket SR-XXXX-XXXX in this session; try list' },
    { line: 'reply #9 hello', output: 'no ticket #9 in this session; try list' },
    { line: 'reply #1', output: 'a reply needs its text: reply <ref|#n> <text>' },
    { line: 'note', output: 'usage: note <ref|#n> <text>' },
    { line: 'note SR-XXXX-XXXX hello', output: 'no ticket SR-XXXX-XXXX in this session; try list' },
    { line: 'note #1', output: 'a note needs its text: note <ref|#n> <text>' },
    { line: 'show', output: 'usage: show <ref|#n>' },
    { line: 'show SR-XXXX-XXXX', output: 'no ticket SR-XXXX-XXXX in this session; try list' },
    { line: 'reopen #1', output: 'is new: cannot reopen it' },
    { line: 'escalate #1', output: 'unknown command "escalate"; try help' },
  ])('refuses "$line" without an event', ({ line, output }) => {
    sut.accept(queued());
    const outcome = sut.command(line);
    expect(outcome.output).toContain(output);
    expect(outcome.lifecycle).toBeUndefined();
    expect(outcome.message).toBeUndefined();
    expect(outcome.lookup).toBeUndefined();
  });

  it('does not claim a ticket twice, and reopens a resolved one', () => {
    sut.accept(queued());
    sut.command('claim #1');
    const twice = sut.command('claim #1');
    sut.command('resolve #1');
    const reopened = sut.command('reopen #1 customer wrote back');

    expect(twice.lifecycle).toBeUndefined();
    expect(reopened.lifecycle).toMatchObject({ event: 'reopened', note: 'customer wrote back' });
  });

  it('puts a ticket back as it was when its events could not be published', () => {
    sut.accept(queued());
    const claim = sut.command('claim #1');

    sut.undo(claim);

    expect(sut.command('list').output).toContain(' P2 new ');
    expect(sut.command('claim #1').lifecycle).toMatchObject({ event: 'claimed' });
  });

  it('shows a ticket from its queue record: request, contact, consent, channel, priority, SLA and routing', () => {
    const record = queued({
      ticket: submittedTicket({
        subject: 'Export fails',
        message: 'The export of the register fails.\nSince Monday.',
        requester: {
          userId: 'user-1',
          orgId: 'org-1',
          email: 'user@example.com',
          name: 'A User',
          phone: '+33612345678',
        },
        workspaceTesting: { granted: true, grantedBy: 'user-1', recordedAt: '2026-11-25T09:59:00.000Z' },
      }),
    });
    sut.accept(record);

    const outcome = sut.command('show #1');

    expect(outcome.lookup).toBe(record.ticketId);
    expect(outcome.output.split('\n')).toEqual([
      `#1 ${record.reference} P2 new form/bug (due in 240 min) Export fails [technical request]`,
      '  subject:   Export fails',
      '  requester: A User <user@example.com> +33612345678 (user user-1, org org-1)',
      '  workspace testing: granted by user-1 (2026-11-25T09:59:00.000Z)',
      '  channel:   form/bug, urgency normal, locale en',
      '  priority:  P2, first response due 2026-11-25T14:00:00.000Z (due in 240 min)',
      '  routing:   technical request (rule technical)',
      '  message:',
      '    The export of the register fails.',
      '    Since Monday.',
    ]);
  });

  it('says when the requester refused workspace testing, or gave no consent', () => {
    sut.accept(
      queued({
        ticket: submittedTicket({
          workspaceTesting: { granted: false, grantedBy: 'user-4', recordedAt: '2026-11-25T09:00:00.000Z' },
        }),
      }),
    );
    sut.accept(queued({ ticket: submittedTicket({ channel: 'email', workspaceTesting: null }) }));

    expect(sut.command('show #1').output).toContain('workspace testing: refused by user-4 (2026-11-25T09:00:00.000Z)');
    expect(sut.command('show #2').output).toContain('workspace testing: no consent recorded');
  });

  it('shows the whole conversation from desk after the queue record’s details', () => {
    const record = queued();
    sut.accept(record);
    const detail = deskTicket(deskRow({ ticketId: record.ticketId, reference: record.reference }));

    const shown = sut.show(record.ticketId, answered(detail)).split('\n');

    expect(shown).toContain('  routing:   technical request (rule technical)');
    expect(shown.slice(-5)).toEqual([
      '  conversation (2, oldest first):',
      '    2026-11-25T09:50:00.000Z requester wrote (email):',
      '      I cannot log in since this morning.',
      '    2026-11-25T09:55:00.000Z agent agent-2 noted (internal) (email):',
      '      SSO certificate expired?',
    ]);
    expect(shown).not.toContain('  message:');
  });

  it('shows the queue record alone, and says so in one line, when desk does not answer', () => {
    const record = queued();
    sut.accept(record);

    const shown = sut.show(record.ticketId, { ok: false, error: 'http://127.0.0.1:3005/v1/desk: ECONNREFUSED' });

    expect(shown).toContain('  requester: A User <user@example.com> (user user-1, org org-1)');
    expect(shown).toContain('    The export of the register fails.');
    expect(shown.split('\n').at(-1)).toBe(
      'desk did not answer (http://127.0.0.1:3005/v1/desk: ECONNREFUSED): no conversation',
    );
  });

  describe('with what desk had waiting', () => {
    it('lists desk’s rows in its order, and remembers them for the commands', () => {
      const urgent = deskRow();
      const claimed = deskRow({
        priority: 'P3',
        status: 'claimed',
        claimedBy: 'agent-2',
        slaDueAt: '2026-11-26T10:00:00.000Z',
        subject: 'Export fails',
        channel: 'form',
        requestType: 'bug',
      });
      const followUp = deskRow({
        priority: 'P2',
        status: 'open',
        slaDueAt: '2026-11-24T12:00:00.000Z',
        nextResponseDueAt: '2026-11-25T09:30:00.000Z',
        subject: 'Re: invoices',
      });

      const output = sut.listed(answered({ items: [urgent, claimed, followUp] }));

      expect(output.split('\n')).toEqual([
        'desk: 3 waiting in the support queue, most urgent first',
        `     #1 ${String(urgent.reference)} P1 new email (due in 20 min) Locked out of SSO`,
        `     #2 ${String(claimed.reference)} P3 claimed by agent-2 form/bug (due in 1440 min) Export fails`,
        `     #3 ${String(followUp.reference)} P2 open email (OVERDUE by 30 min) Re: invoices`,
      ]);
      expect(sut.command(`claim ${String(urgent.reference)}`).lifecycle).toMatchObject({
        ticketId: urgent.ticketId,
        event: 'claimed',
        actor: 'agent-7',
      });
      expect(sut.command('reply #2 done').output).toBe(
        `${String(claimed.reference)} is claimed by agent-2: cannot reply it`,
      );
      expect(sut.command('reply #3 Here are your invoices').message).toMatchObject({
        ticketId: followUp.ticketId,
        visibility: 'public',
        channel: 'email',
      });
    });

    it('shows a listed row’s request, contact and conversation from desk', () => {
      const row = deskRow();
      sut.listed(answered({ items: [row] }));

      const outcome = sut.command('show #1');
      const shown = sut.show(String(row.ticketId), answered(deskTicket(row)));

      expect(outcome.lookup).toBe(row.ticketId);
      expect(outcome.output).toContain('the request and the requester come from desk');
      expect(shown.split('\n').slice(0, 7)).toEqual([
        `#1 ${String(row.reference)} P1 new email (due in 20 min) Locked out of SSO`,
        '  subject:   Locked out of SSO',
        '  requester: Jeanne Martin <jeanne@example.fr> +33612345678 (org org-9)',
        '  workspace testing: no consent recorded',
        '  channel:   email',
        '  priority:  P1, first response due 2026-11-25T10:20:00.000Z (due in 20 min)',
        '  routing:   urgent access problem during desk hours (rule urgent-access)',
      ]);
      expect(shown).toContain('      I cannot log in since this morning.');
    });

    it('takes the queue record of a listed row without showing the ticket twice', () => {
      const record = queued();
      sut.listed(answered({ items: [deskRow({ ticketId: record.ticketId, reference: record.reference })] }));

      const arriving = sut.accept(record, 'corr-9');

      expect(arriving).toBeUndefined();
      expect(sut.command('list').output).toMatch(/\[technical request\]$/);
      expect(sut.command('claim #1').correlationId).toBe('corr-9');
    });

    it('on the PSM queue keeps the PSM’s own rows and the pool’s', () => {
      const desk = new AgentDesk({ queue: 'psm', psmId: 'psm-anna', agentId: 'psm-anna', now: () => NOW });

      const output = desk.listed(
        answered({
          items: [
            deskRow({ queue: 'psm', assignee: 'psm-anna' }),
            deskRow({ queue: 'psm', assignee: null }),
            deskRow({ queue: 'psm', assignee: 'psm-bob' }),
          ],
        }),
      );

      expect(output).toContain('desk: 2 waiting in the psm queue');
      expect(output).toContain('for the PSM pool');
      expect(output).not.toContain('psm-bob');
    });

    it.each([
      {
        answer: { ok: false, error: 'http://127.0.0.1:3005/v1/desk/queues/support/tickets: ECONNREFUSED' },
        output: exactly(
          'desk did not answer (http://127.0.0.1:3005/v1/desk/queues/support/tickets: ECONNREFUSED): following Kafka only',
        ),
      },
      {
        answer: { ok: true, body: { items: [{ ticketId: 'x', status: 'lost' }] } },
        output:
          /^desk answered something unexpected \(items\[0\]\.reference is not a string; .*\): following Kafka only$/,
      },
      { answer: { ok: true, body: { items: [] } }, output: exactly('desk: nothing waiting in the support queue') },
    ])('says in one line when there is nothing to list ($output)', ({ answer, output }) => {
      const said = sut.listed(answer as DeskAnswer);

      expect(said).toMatch(output);
      expect(sut.command('list').output).toBe('no tickets yet');
    });
  });

  it('on the PSM queue shows the PSM’s own tickets and the pool’s, not another PSM’s', () => {
    const desk = new AgentDesk({ queue: 'psm', psmId: 'psm-anna', agentId: 'psm-anna', now: () => NOW });
    const own = desk.accept(queued({ queue: 'psm', assignee: 'psm-anna', ticketId: randomUUID() }));
    const pool = desk.accept(queued({ queue: 'psm', assignee: null, ticketId: randomUUID() }));
    const other = desk.accept(queued({ queue: 'psm', assignee: 'psm-bob', ticketId: randomUUID() }));

    expect(own).toBeDefined();
    expect(pool && desk.describe(pool)).toContain('for the PSM pool');
    expect(other).toBeUndefined();
  });

  it('ignores records that are not queue tickets, or belong to the other queue', () => {
    expect(sut.accept({ ticketId: 'x' })).toBeUndefined();
    expect(sut.accept(queued({ queue: 'psm' }))).toBeUndefined();
  });
});
