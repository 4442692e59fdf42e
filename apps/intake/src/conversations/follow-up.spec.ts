import { randomUUID } from 'node:crypto';
import { ticketReference } from '#contracts';
import {
  NEW_TICKET,
  decideFollowUp,
  followUpMessageId,
  newTicketOwner,
  ownerOf,
  referenceOf,
  resolutionChanges,
} from './follow-up.js';
import type { FollowUpQuestion, TicketOwner } from './follow-up.js';

const NOW = new Date('2026-11-30T10:00:00.000Z');
const DAY_MS = 86_400_000;

function ownedTicket(overrides: Partial<TicketOwner> = {}): TicketOwner {
  const ticketId = overrides.ticketId ?? randomUUID();
  return {
    ...newTicketOwner(ticketId, 'chat', { userId: 'user-1' }),
    resolvedAt: null,
    ...overrides,
  };
}

function question(ticket: TicketOwner, overrides: Partial<FollowUpQuestion> = {}): FollowUpQuestion {
  return {
    channel: 'chat',
    reference: ticket.reference,
    owner: ownerOf('chat', { userId: 'user-1' }),
    candidates: [ticket],
    now: NOW,
    reopenWindowDays: 7,
    ...overrides,
  };
}

describe(referenceOf.name, () => {
  test.each([
    ['the ticketReference, upper-cased', { channel: 'chat', ticketReference: 'sr-7k4q-m2xd' }, 'SR-7K4Q-M2XD'],
    [
      'the ticketReference before one in an email subject',
      { channel: 'email', ticketReference: 'SR-AAAA-BBBB', subject: 'Re: [SR-CCCC-DDDD] export' },
      'SR-AAAA-BBBB',
    ],
    [
      'a reference in brackets in an email subject',
      { channel: 'email', subject: 'Re: [sr-6gnz-l3c2] x' },
      'SR-6GNZ-L3C2',
    ],
    ['nothing for a bare reference in an email subject', { channel: 'email', subject: 'about SR-6GNZ-L3C2' }, null],
    ['nothing for a bracketed reference in a chat subject', { channel: 'chat', subject: '[SR-6GNZ-L3C2]' }, null],
    ['nothing without a reference', { channel: 'form', subject: 'Export fails' }, null],
  ] as const)('is %s', (_name, request, expected) => {
    expect(referenceOf(request)).toBe(expected);
  });
});

describe(ownerOf.name, () => {
  it('compares email addresses case-insensitively, and names no one', () => {
    const sut = ownerOf('email', { email: 'Jeanne.Martin@Example.org ' });

    expect(sut).toBe(ownerOf('phone', { email: 'jeanne.martin@example.org' }));
    expect(sut).not.toContain('jeanne');
  });

  it('is the user id on chat and form, never the address', () => {
    const sut = ownerOf('chat', { userId: 'user-1', email: 'a@example.org' });

    expect(sut).toBe(ownerOf('form', { userId: 'user-1', email: 'other@example.org' }));
    expect(sut).not.toBe(ownerOf('chat', { userId: 'user-2', email: 'a@example.org' }));
    expect(sut).not.toBe(ownerOf('email', { email: 'user-1' }));
  });

  it('is null without the identity of the channel', () => {
    expect(ownerOf('chat', { userId: null, email: 'a@example.org' })).toBeNull();
  });
});

describe(decideFollowUp.name, () => {
  it('starts a new ticket without a reference', () => {
    expect(decideFollowUp(question(ownedTicket(), { reference: null }))).toEqual(NEW_TICKET);
  });

  it('joins a ticket of the same requester', () => {
    const ticket = ownedTicket();

    expect(decideFollowUp(question(ticket))).toEqual({
      kind: 'follow-up',
      ticketId: ticket.ticketId,
      reference: ticket.reference,
    });
  });

  test.each(['chat', 'form'] as const)('refuses on %s an unknown reference and someone else’s alike', (channel) => {
    const ticket = ownedTicket();
    const unknown = decideFollowUp(
      question(ticket, { channel, reference: ticketReference(randomUUID()), candidates: [] }),
    );
    const foreign = decideFollowUp(question(ticket, { channel, owner: ownerOf(channel, { userId: 'user-2' }) }));

    expect(unknown).toEqual({ kind: 'unknown-reference' });
    expect(foreign).toEqual(unknown);
  });

  test.each(['email', 'phone'] as const)(
    'starts a new ticket on %s for a reference that is not the sender’s',
    (channel) => {
      const ticket = ownedTicket({ owner: ownerOf('email', { email: 'owner@example.org' }), channel: 'email' });

      expect(
        decideFollowUp(question(ticket, { channel, owner: ownerOf(channel, { email: 'other@example.org' }) })),
      ).toEqual(NEW_TICKET);
      expect(decideFollowUp(question(ticket, { channel, candidates: [] }))).toEqual(NEW_TICKET);
    },
  );

  it('never matches a requester without identity, even a ticket whose owner is unknown too', () => {
    const ticket = ownedTicket({ owner: null });

    expect(decideFollowUp(question(ticket, { owner: null }))).toEqual({ kind: 'unknown-reference' });
  });

  test.each([
    ['reopens a ticket resolved within the window', 7 * DAY_MS - 1, 'follow-up'],
    ['reopens a ticket resolved exactly at the end of the window', 7 * DAY_MS, 'follow-up'],
    ['starts a new ticket after the window', 7 * DAY_MS + 1, 'new-ticket'],
  ])('%s', (_name, resolvedAgoMs, kind) => {
    const ticket = ownedTicket({ resolvedAt: new Date(NOW.getTime() - resolvedAgoMs) });

    const sut = decideFollowUp(question(ticket));

    expect(sut.kind).toBe(kind);
    if (sut.kind === 'new-ticket') expect(sut.relatedTicketId).toBe(ticket.ticketId);
  });

  it('picks among tickets sharing a reference the one of the requester', () => {
    const mine = ownedTicket();
    const other = ownedTicket({ reference: mine.reference, owner: ownerOf('chat', { userId: 'user-2' }) });

    expect(decideFollowUp(question(mine, { candidates: [other, mine] }))).toMatchObject({ ticketId: mine.ticketId });
  });
});

describe(followUpMessageId.name, () => {
  it('is the same for the same request and differs between requests', () => {
    expect(followUpMessageId('req-1')).toBe(followUpMessageId('req-1'));
    expect(followUpMessageId('req-1')).not.toBe(followUpMessageId('req-2'));
  });
});

describe(resolutionChanges.name, () => {
  it('keeps the last resolution or reopening of each ticket, and ignores other events', () => {
    const sut = resolutionChanges([
      { ticketId: 't1', event: 'resolved', at: '2026-11-30T08:00:00.000Z' },
      { ticketId: 't2', event: 'claimed', at: '2026-11-30T08:01:00.000Z' },
      { ticketId: 't1', event: 'reopened', at: '2026-11-30T08:02:00.000Z' },
      { ticketId: 't3', event: 'reopened', at: '2026-11-30T08:03:00.000Z' },
      { ticketId: 't3', event: 'resolved', at: '2026-11-30T08:04:00.000Z' },
      { ticketId: 't3', event: 'replied', at: '2026-11-30T08:05:00.000Z' },
    ]);

    expect(sut).toEqual([
      { ticketId: 't1', resolved: false, at: '2026-11-30T08:02:00.000Z' },
      { ticketId: 't3', resolved: true, at: '2026-11-30T08:04:00.000Z' },
    ]);
  });
});
