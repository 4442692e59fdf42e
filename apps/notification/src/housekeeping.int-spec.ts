import { randomUUID } from 'node:crypto';
import { Topics } from '#contracts';
import { createDataSource, runMigrations } from '#platform';
import { ManualClock, isolatedDatabase, testDatabaseUrl } from '#testing';
import type { IsolatedDatabase } from '#testing';
import type { DataSource } from 'typeorm';
import { DeliveryRepository, Urgency } from './delivery/delivery.repository.js';
import type { AttemptRecord } from './delivery/delivery.repository.js';
import { Housekeeping } from './housekeeping.js';
import { loadNotificationConfig } from './notification.config.js';
import { NOTIFICATION_MIGRATIONS, NOTIFICATION_MIGRATIONS_TABLE } from './notification.module.js';
import { ContactRepository } from './recipients/contact.repository.js';
import { TicketRepository } from './conversations/ticket.repository.js';

const DAY = 24 * 3_600_000;

describe(Housekeeping.name, () => {
  const clock = new ManualClock(new Date('2026-11-25T10:00:00.000Z'));
  let database: IsolatedDatabase;
  let dataSource: DataSource;
  let deliveries: DeliveryRepository;
  let contacts: ContactRepository;
  let tickets: TicketRepository;
  let sut: Housekeeping;

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'notification_it_housekeeping');
    dataSource = createDataSource({
      url: database.url,
      entities: [],
      migrations: NOTIFICATION_MIGRATIONS,
      migrationsTableName: NOTIFICATION_MIGRATIONS_TABLE,
    });
    await dataSource.initialize();
    await runMigrations(dataSource, NOTIFICATION_MIGRATIONS_TABLE);
    deliveries = new DeliveryRepository(dataSource);
    contacts = new ContactRepository(dataSource);
    tickets = new TicketRepository(dataSource);
    sut = new Housekeeping(
      deliveries,
      contacts,
      tickets,
      clock,
      loadNotificationConfig({ NODE_ENV: 'development', NOTIFY_RETENTION_DAYS: '30', REOPEN_WINDOW_DAYS: '7' }),
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  /** A delivery recorded, claimed and settled (sent) at the clock's current time. */
  async function settledDelivery(): Promise<string> {
    const notificationId = randomUUID();
    const ticketId = randomUUID();
    const notification = {
      notificationId,
      ticketId,
      reference: 'SR-7K4Q-M2XD',
      kind: 'ticket.routed',
      audience: 'support',
      recipient: 'support-team',
      locale: 'en',
      subject: 'P2 ticket SR-7K4Q-M2XD',
      body: 'A P2 ticket is in the support queue.',
      alertId: null,
      escalationLevel: null,
    } as const;
    await deliveries.enqueue(
      [{ notification, urgency: Urgency.normal, correlationId: null, causationId: null, traceparent: null }],
      clock.now(),
    );
    const [claimed] = await deliveries.claimDue(clock.now(), new Date(clock.now().getTime() + 60_000), 1_000);
    const at = clock.now().toISOString();
    const record: AttemptRecord = {
      notificationId,
      ticketId,
      audience: 'support',
      attempt: claimed?.attempt ?? 1,
      state: 'sent',
      nextAttemptAt: null,
      channel: 'log',
      error: null,
      event: {
        topic: Topics.notifications,
        id: randomUUID(),
        key: ticketId,
        payload: {
          notificationId,
          ticketId,
          audience: 'support',
          channel: 'log',
          outcome: 'sent',
          attempt: 1,
          at,
          error: null,
        },
        time: at,
        correlationId: null,
        causationId: null,
        traceparent: null,
      },
    };
    await deliveries.complete([record], clock.now());
    return notificationId;
  }

  it('deletes settled deliveries once the retention has passed, and keeps the recent ones', async () => {
    const old = await settledDelivery();
    clock.advance(20 * DAY);
    const recent = await settledDelivery();
    clock.advance(11 * DAY);

    await sut.sweep();

    expect(await deliveries.findStatus(old)).toBeUndefined();
    expect(await deliveries.findStatus(recent)).toMatchObject({ state: 'sent' });
  });

  /** A ticket whose requester's contact notification keeps. */
  async function ticketWithContact(email: string): Promise<string> {
    const ticketId = randomUUID();
    await tickets.recordSubmitted(
      [{ ticketId, reference: 'SR-7K4Q-M2XD', channel: 'email', locale: 'fr' }],
      clock.now(),
    );
    await contacts.save([{ ticketId, email, locale: 'fr', name: 'A Name', phone: '+33612345678' }], clock.now());
    return ticketId;
  }

  it("keeps an unresolved ticket's contact, and erases it once the reopen window after its resolution is over", async () => {
    const unresolved = await ticketWithContact('open@example.org');
    const resolvedLongAgo = await ticketWithContact('old@example.org');
    const resolvedRecently = await ticketWithContact('recent@example.org');
    await tickets.markResolved(resolvedLongAgo, clock.now(), clock.now());
    clock.advance(6 * DAY);
    await tickets.markResolved(resolvedRecently, clock.now(), clock.now());
    clock.advance(DAY + 1);

    await sut.sweep();

    expect(await contacts.find(unresolved)).toEqual({ kind: 'known', email: 'open@example.org' });
    expect(await contacts.find(resolvedRecently)).toEqual({ kind: 'known', email: 'recent@example.org' });
    expect(await contacts.find(resolvedLongAgo)).toEqual({ kind: 'erased' });
    expect(await contacts.forAlerts([resolvedLongAgo])).toEqual(new Map());
  });

  it('keeps the contact of a ticket reopened by a follow-up', async () => {
    const reopened = await ticketWithContact('reopened@example.org');
    await tickets.markResolved(reopened, clock.now(), clock.now());
    clock.advance(2 * DAY);
    await tickets.markReopened([{ ticketId: reopened, at: clock.now() }], clock.now());
    clock.advance(10 * DAY);

    await sut.sweep();

    expect(await contacts.find(reopened)).toEqual({ kind: 'known', email: 'reopened@example.org' });
  });
});
