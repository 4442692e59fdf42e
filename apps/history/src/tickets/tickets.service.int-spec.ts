import { randomUUID } from 'node:crypto';
import { Topics } from '#contracts';
import type { KafkaEvent } from '#kafka';
import { ApplicationError, createDataSource, runMigrations } from '#platform';
import { submittedTicket, testDatabaseUrl } from '#testing';
import type { DataSource } from 'typeorm';
import { HISTORY_MIGRATIONS } from '../history.module.js';
import { EventRecorder } from '../recording/event-recorder.service.js';
import { HistoryRepository } from '../recording/history.repository.js';
import { TicketRepository } from './ticket.repository.js';
import { TicketsService } from './tickets.service.js';

function event(topic: string, value: unknown): KafkaEvent {
  return { topic, partition: 0, offset: '0', key: null, value, rawValue: null, headers: {}, cloudEvent: { id: randomUUID() }, timestamp: String(Date.now()) };
}

describe(TicketsService.name, () => {
  let dataSource: DataSource;
  let sut: TicketsService;
  const orgId = `org-${randomUUID()}`;
  const ticketIds: string[] = [];

  beforeAll(async () => {
    dataSource = createDataSource({ url: testDatabaseUrl(), entities: [], migrations: HISTORY_MIGRATIONS, migrationsTableName: 'history_migrations' });
    await dataSource.initialize();
    await runMigrations(dataSource, 'history_migrations');
    const recorder = new EventRecorder(new HistoryRepository(dataSource));
    sut = new TicketsService(new TicketRepository(dataSource));
    const events: KafkaEvent[] = [];
    for (let day = 1; day <= 5; day += 1) {
      const ticket = submittedTicket({
        channel: day % 2 === 0 ? 'email' : 'form',
        receivedAt: `2026-10-0${day}T10:00:00.000Z`,
        requester: { userId: null, orgId, email: null, name: null },
      });
      ticketIds.push(ticket.ticketId);
      events.push(event(Topics.ticketsSubmitted, ticket));
    }
    await recorder.record(events);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('pages through an organisation’s tickets, newest first, without gaps or repeats', async () => {
    const first = await sut.listTickets({ orgId, limit: '2' });
    const second = await sut.listTickets({ orgId, limit: '2', cursor: first.nextCursor });
    const third = await sut.listTickets({ orgId, limit: '2', cursor: second.nextCursor });

    const seen = [...first.items, ...second.items, ...third.items].map((item) => item.ticketId);
    expect(seen).toEqual([...ticketIds].reverse());
    expect(third.nextCursor).toBeNull();
  });

  it('filters by channel and reception time', async () => {
    const page = await sut.listTickets({ orgId, channel: 'email', from: '2026-10-02T00:00:00Z', to: '2026-10-04T00:00:00Z' });

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
    const failure = await sut.listTickets(query).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ApplicationError);
    expect((failure as ApplicationError).status).toBe(400);
    expect((failure as ApplicationError).errors?.map((error) => error.field)).toContain(field);
  });
});
