import { randomUUID } from 'node:crypto';
import { Topics } from '#contracts';
import type { KafkaEvent } from '#kafka';
import { ApplicationError } from '#platform';
import { submittedTicket, testDatabaseUrl } from '#testing';
import { consumed, openHistoryStore } from './history-store.js';
import type { HistoryStore } from './history-store.js';
import type { AccessScope } from '../src/access/audit-access.js';
import { TicketsService } from '../src/tickets/tickets.service.js';

const GLOBAL: AccessScope = { kind: 'global', actor: 'auditor-1' };

describe(TicketsService.name, () => {
  let store: HistoryStore;
  let sut: TicketsService;
  const orgId = `org-${randomUUID()}`;
  const ticketIds: string[] = [];

  beforeAll(async () => {
    store = await openHistoryStore(testDatabaseUrl());
    const recorder = store.recorder;
    sut = new TicketsService(store.tickets, store.vault, store.dueAt);
    const events: KafkaEvent[] = [];
    for (let day = 1; day <= 5; day += 1) {
      const ticket = submittedTicket({
        channel: day % 2 === 0 ? 'email' : 'form',
        receivedAt: `2026-10-0${day}T10:00:00.000Z`,
        requester: { userId: null, orgId, email: null, name: null },
      });
      ticketIds.push(ticket.ticketId);
      events.push(consumed(Topics.ticketsSubmitted, ticket));
    }
    await recorder.record(events);
  });

  afterAll(async () => {
    await store?.close();
  });

  it('pages through an organisation’s tickets, newest first, without gaps or repeats', async () => {
    const first = await sut.listTickets(GLOBAL, { orgId, limit: '2' });
    const second = await sut.listTickets(GLOBAL, { orgId, limit: '2', cursor: first.nextCursor });
    const third = await sut.listTickets(GLOBAL, { orgId, limit: '2', cursor: second.nextCursor });

    const seen = [...first.items, ...second.items, ...third.items].map((item) => item.ticketId);
    expect(seen).toEqual([...ticketIds].reverse());
    expect(third.nextCursor).toBeNull();
  });

  it('filters by channel and reception time', async () => {
    const page = await sut.listTickets(GLOBAL, {
      orgId,
      channel: 'email',
      from: '2026-10-02T00:00:00Z',
      to: '2026-10-04T00:00:00Z',
    });

    expect(page.items.map((item) => item.ticketId)).toEqual([ticketIds[1]]);
    expect(page.items[0]).toMatchObject({ channel: 'email', orgId, status: 'received' });
  });

  it.each([
    { query: { limit: '501' }, field: 'limit' },
    { query: { channel: 'fax' }, field: 'channel' },
    { query: { from: 'yesterday' }, field: 'from' },
    { query: { cursor: 'not-a-cursor' }, field: 'cursor' },
    { query: { sort: 'asc' }, field: 'sort' },
  ])('refuses $field with a 400 naming it', async ({ query, field }) => {
    const failure = await sut.listTickets(GLOBAL, query).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ApplicationError);
    expect((failure as ApplicationError).status).toBe(400);
    expect((failure as ApplicationError).errors?.map((error) => error.field)).toContain(field);
  });
});
