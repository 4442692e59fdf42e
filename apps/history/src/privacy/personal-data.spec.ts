import { Topics } from '#contracts';
import { submittedTicket } from '#testing';
import { mergePersonalData, needsTicketSubject, splitPersonalData } from './personal-data.js';

describe(splitPersonalData.name, () => {
  it('takes subject, message and the requester’s identity out of a submitted ticket, keeping the organisation', () => {
    const ticket = submittedTicket({
      subject: 'Accès',
      message: 'Je suis bloquée',
      requester: { userId: 'user-7', orgId: 'org-1', email: 'lea@example.org', name: 'Léa' },
      workspaceTesting: { granted: true, grantedBy: 'user-7', recordedAt: '2026-11-25T10:00:00.000Z' },
    });
    const sut = splitPersonalData(Topics.ticketsSubmitted, ticket as unknown as Record<string, unknown>);
    expect(sut.personal).toEqual({
      subject: 'Accès',
      message: 'Je suis bloquée',
      'requester.userId': 'user-7',
      'requester.email': 'lea@example.org',
      'requester.name': 'Léa',
      'workspaceTesting.grantedBy': 'user-7',
    });
    expect(sut.payload).not.toHaveProperty('message');
    expect(sut.payload).not.toHaveProperty('subject');
    expect(sut.payload.requester).toEqual({ orgId: 'org-1' });
    expect(sut.payload.workspaceTesting).toEqual({ granted: true, recordedAt: '2026-11-25T10:00:00.000Z' });
    expect(sut.subjectId).toBe('user-7');
    expect(JSON.stringify(sut.payload)).not.toMatch(/lea@example\.org|Léa|bloquée|user-7/);
  });

  it('files a ticket without an account under the requester’s email, and leaves the input untouched', () => {
    const ticket = submittedTicket({
      channel: 'email',
      requester: { userId: null, orgId: null, email: 'anon@example.org', name: null },
    }) as unknown as Record<string, unknown>;
    const before = JSON.stringify(ticket);
    const sut = splitPersonalData(Topics.ticketsSubmitted, ticket);
    expect(sut.subjectId).toBe('anon@example.org');
    expect(JSON.stringify(ticket)).toBe(before);
  });

  it('takes the ticket copy’s personal fields out of queue events', () => {
    const ticket = submittedTicket({
      requester: { userId: 'user-2', orgId: 'org-1', email: 'x@example.org', name: 'X' },
    });
    const sut = splitPersonalData(Topics.queueSupport, { ticketId: ticket.ticketId, queue: 'support', ticket });
    expect(Object.keys(sut.personal ?? {})).toEqual([
      'ticket.subject',
      'ticket.message',
      'ticket.requester.userId',
      'ticket.requester.email',
      'ticket.requester.name',
      'ticket.workspaceTesting.grantedBy',
    ]);
    expect(JSON.stringify(sut.payload)).not.toContain('user-');
    expect(sut.subjectId).toBe('user-2');
  });

  it('keeps the reasons of a rejection with its raw value: field names come from the record itself', () => {
    const sut = splitPersonalData(Topics.requestsRejected, {
      requestId: null,
      rawValue: '{"jean.dupont@example.org": 1}',
      errors: [
        {
          field: 'jean.dupont@example.org',
          code: 'unknownField',
          message: 'property jean.dupont@example.org is not allowed',
        },
      ],
    });
    expect(JSON.stringify(sut.payload)).not.toContain('jean.dupont');
    expect(sut.personal).toHaveProperty('errors');
  });

  it('finds the requester inside a rejected raw value when it is JSON, and keeps the raw value out of the payload', () => {
    const sut = splitPersonalData(Topics.requestsRejected, {
      requestId: 'r-1',
      rawValue: JSON.stringify({ requester: { email: 'raw@example.org' } }),
      errors: [],
    });
    const unreadable = splitPersonalData(Topics.requestsRejected, {
      requestId: 'r-2',
      rawValue: '{not json',
      errors: [],
    });
    expect(sut.subjectId).toBe('raw@example.org');
    expect(sut.payload).not.toHaveProperty('rawValue');
    expect(unreadable.subjectId).toBeNull();
    expect(unreadable.personal).toEqual({ rawValue: '{not json', errors: [] });
  });

  it('treats a lifecycle note as personal, about the ticket’s requester', () => {
    const payload = { ticketId: 't-1', event: 'replied', at: '2026-11-25T10:00:00.000Z', note: 'called Léa back' };
    const sut = splitPersonalData(Topics.ticketsLifecycle, payload);
    expect(sut.personal).toEqual({ note: 'called Léa back' });
    expect(sut.subjectId).toBeNull();
    expect(needsTicketSubject(Topics.ticketsLifecycle, payload)).toBe(true);
    expect(needsTicketSubject(Topics.ticketsLifecycle, { ...payload, note: undefined })).toBe(false);
  });

  it('treats a delivery error as personal (it may quote the refused address), and an absent one as nothing', () => {
    const failed = {
      ticketId: 't-1',
      audience: 'requester',
      outcome: 'failed',
      error: '550 5.1.1 <lea@example.org>: unknown user',
    };
    const sent = { ticketId: 't-1', audience: 'requester', outcome: 'sent', error: null };
    expect(splitPersonalData(Topics.notifications, failed).personal).toEqual({ error: failed.error });
    expect(needsTicketSubject(Topics.notifications, failed)).toBe(true);
    expect(splitPersonalData(Topics.notifications, sent)).toMatchObject({ personal: null, payload: sent });
    expect(needsTicketSubject(Topics.notifications, sent)).toBe(false);
  });

  it('finds nothing personal in a routing decision', () => {
    const sut = splitPersonalData(Topics.ticketsRouted, { ticketId: 't', queue: 'psm', reason: 'chat question' });
    expect(sut).toEqual({
      payload: { ticketId: 't', queue: 'psm', reason: 'chat question' },
      personal: null,
      subjectId: null,
    });
  });
});

describe(mergePersonalData.name, () => {
  it('puts decrypted fields back where they were, or null when erased', () => {
    const ticket = submittedTicket() as unknown as Record<string, unknown>;
    const split = splitPersonalData(Topics.ticketsSubmitted, ticket);
    expect(mergePersonalData(Topics.ticketsSubmitted, split.payload, split.personal)).toEqual(ticket);
    const erased = mergePersonalData(Topics.ticketsSubmitted, split.payload, null);
    expect(erased).toMatchObject({
      subject: null,
      message: null,
      requester: { email: null, name: null, userId: null },
    });
  });
});
