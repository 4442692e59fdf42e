import { randomUUID } from 'node:crypto';
import { ticketReference } from '#contracts';
import type { QueuedTicketPayload } from '#contracts';
import { submittedTicket } from '#testing';
import { AgentDesk } from './agent-desk.js';

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

describe(AgentDesk.name, () => {
  let sut: AgentDesk;

  beforeEach(() => {
    sut = new AgentDesk({ queue: 'support', agentId: 'agent-7', now: () => NOW });
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
    expect(reply.lifecycle).toMatchObject({ event: 'replied', note: 'We are on it, the export works again' });
    expect(resolve.lifecycle).toMatchObject({ event: 'resolved' });
    expect(sut.command('list').output).toContain(`${record.reference} P2 resolved`);
  });

  it.each([
    { line: 'claim', output: 'usage: claim <ref|#n>' },
    { line: 'claim SR-XXXX-XXXX', output: 'no ticket SR-XXXX-XXXX in this session; try list' },
    { line: 'reply #1', output: 'a reply needs its text: reply <ref|#n> <text>' },
    { line: 'reopen #1', output: 'is new: cannot reopen it' },
    { line: 'escalate #1', output: 'unknown command "escalate"; try help' },
  ])('refuses "$line" without an event', ({ line, output }) => {
    sut.accept(queued());
    const outcome = sut.command(line);
    expect(outcome.output).toContain(output);
    expect(outcome.lifecycle).toBeUndefined();
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
