import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Topics } from '#contracts';
import { EventPublisher, createKafka } from '#kafka';
import type { KafkaEvent } from '#kafka';
import { KafkaTestClient, eventually, isolatedDatabase, submittedTicket, testBrokers, testDatabaseUrl } from '#testing';
import type { IsolatedDatabase } from '#testing';
import type { AccessScope } from '../src/access/audit-access.js';
import { AuditRepository } from '../src/audit/audit.repository.js';
import { AuditService } from '../src/audit/audit.service.js';
import { ErasureRepository } from '../src/privacy/erasure.repository.js';
import { ErasureLedgerLoader } from '../src/privacy/erasure-ledger.loader.js';
import { ErasureService } from '../src/privacy/erasure.service.js';
import { TicketsService } from '../src/tickets/tickets.service.js';
import { loadHistoryConfig } from '../src/history.config.js';
import { UnattributedRetention } from '../src/privacy/unattributed-retention.js';
import { consumed, openHistoryStore, ticketStory } from './history-store.js';
import type { HistoryStore } from './history-store.js';

const DPO: AccessScope = { kind: 'global', actor: 'dpo-1' };
const AUDITOR: AccessScope = { kind: 'global', actor: 'auditor-1' };

/** Every row of every history table as text, read by a superuser: where plaintext would show. */
async function dumpHistorySchema(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'history'`,
    );
    const dumps: string[] = [];
    for (const { table_name: table } of tables.rows) {
      const rows = await client.query<{ row: string }>(
        `SELECT t::text AS row FROM history.${client.escapeIdentifier(table)} t`,
      );
      dumps.push(...rows.rows.map((row) => row.row));
    }
    return dumps.join('\n');
  } finally {
    await client.end();
  }
}

describe(ErasureService.name, () => {
  let database: IsolatedDatabase;
  let store: HistoryStore;
  let sut: ErasureService;
  let tickets: TicketsService;
  let audit: AuditService;
  let publisher: EventPublisher;

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'history_erasure');
    store = await openHistoryStore(database.url);
    publisher = new EventPublisher(createKafka({ brokers: testBrokers(), clientId: 'erasure-test' }), {
      source: '/support/history',
    });
    sut = new ErasureService(
      new ErasureRepository(store.dataSource, store.vault),
      store.history,
      publisher,
      store.vault,
    );
    tickets = new TicketsService(store.tickets, store.vault, store.dueAt);
    audit = new AuditService(new AuditRepository(store.dataSource));
  });

  afterAll(async () => {
    await publisher?.close();
    await store?.close();
    await database?.drop();
  });

  it('makes an email requester’s personal data unreadable everywhere, keeps their tickets, statistics and the chain', async () => {
    const secret = `Zanzibar-${randomUUID().slice(0, 8)}`;
    const email = `${secret.toLowerCase()}@example.org`;
    const requester = { userId: null, orgId: 'org-erase', email, name: `Name ${secret}` };
    const theirs = [
      submittedTicket({ channel: 'email', subject: `Subject ${secret}`, message: `Message ${secret}`, requester }),
      submittedTicket({ channel: 'email', requester }),
    ];
    const someoneElse = submittedTicket({
      channel: 'email',
      requester: { userId: null, orgId: 'org-erase', email: 'other@example.org', name: 'Other Person' },
    });
    for (const ticket of [...theirs, someoneElse]) await store.recorder.record(ticketStory(ticket));
    const before = await tickets.getTicket(AUDITOR, theirs[0]?.ticketId ?? '');
    const statsBefore = await tickets.stats(AUDITOR, { orgId: 'org-erase' });

    const outcome = await sut.erase(DPO, email.toUpperCase());

    const after = await tickets.getTicket(AUDITOR, theirs[0]?.ticketId ?? '');
    const untouched = await tickets.getTicket(AUDITOR, someoneElse.ticketId);
    const statsAfter = await tickets.stats(AUDITOR, { orgId: 'org-erase' });
    const dump = await dumpHistorySchema(database.url);
    const verify = await audit.verify(AUDITOR);
    const recorded = await store.dataSource.query<{ payload: Record<string, unknown> }[]>(
      `SELECT payload FROM history.events WHERE topic = $1 AND payload->>'erasureId' = $2`,
      [Topics.subjectsErased, outcome.erasureId],
    );

    expect(before.personalData).toMatchObject({
      status: 'present',
      subject: `Subject ${secret}`,
      message: `Message ${secret}`,
      requester: { email },
    });
    expect(outcome).toMatchObject({ tickets: 2 });
    expect(outcome.keysDestroyed).toBeGreaterThanOrEqual(1);
    expect(after.personalData).toMatchObject({ status: 'erased', requester: null, subject: null, message: null });
    expect(after.personalData.erasedAt).toBe(outcome.erasedAt);
    expect(after.timeline.map((entry) => entry.topic)).toEqual(before.timeline.map((entry) => entry.topic));
    expect(after).toMatchObject({
      status: before.status,
      queue: before.queue,
      priority: before.priority,
      firstResponseAt: before.firstResponseAt,
    });
    expect(untouched.personalData).toMatchObject({ status: 'present', requester: { email: 'other@example.org' } });
    expect(statsAfter.total).toBe(statsBefore.total);
    expect(statsAfter.personalDataErased).toBe(2);
    expect(dump.toLowerCase()).not.toContain(secret.toLowerCase());
    expect(verify).toMatchObject({ ok: true });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.payload).toMatchObject({ requestedBy: 'dpo-1' });
    expect([...((recorded[0]?.payload.ticketIds as string[] | undefined) ?? [])].sort()).toEqual(
      theirs.map((ticket) => ticket.ticketId).sort(),
    );
  });

  it('also erases free-text notes about the ticket, and stays erased when repeated', async () => {
    const userId = `user-${randomUUID()}`;
    const ticket = submittedTicket({
      requester: { userId, orgId: 'org-erase', email: 'note-owner@example.org', name: 'Noé Owner' },
    });
    await store.recorder.record(ticketStory(ticket));

    const first = await sut.erase(DPO, userId);
    const second = await sut.erase(DPO, userId);
    const readable = await store.dataSource.query<{ key_id: string }[]>(
      `SELECT e.key_id FROM history.events e JOIN history.subject_keys k ON k.key_id = e.key_id
       WHERE e.ticket_id = $1 AND k.wrapped_key IS NOT NULL`,
      [ticket.ticketId],
    );

    expect(first.keysDestroyed).toBeGreaterThanOrEqual(1);
    expect(second).toMatchObject({ keysDestroyed: 0, tickets: 1 });
    expect(readable).toEqual([]);
    expect((await dumpHistorySchema(database.url)).includes('Noé Owner')).toBe(false);
  });

  it('answers 404 for a subject history never held', async () => {
    const failure = await sut.erase(DPO, `nobody-${randomUUID()}@example.org`).catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 404, code: 'SUBJECT_NOT_FOUND' });
  });

  it('lets an organisation’s privacy officer erase only subjects whose tickets are all theirs, and not see the others', async () => {
    const userId = `user-${randomUUID()}`;
    const requester = (orgId: string): { userId: string; orgId: string; email: string; name: string } => ({
      userId,
      orgId,
      email: 'two-orgs@example.org',
      name: 'Two Orgs',
    });
    await store.recorder.record(ticketStory(submittedTicket({ requester: requester('org-a') })));
    await store.recorder.record(ticketStory(submittedTicket({ requester: requester('org-b') })));

    const fromA = await sut
      .erase({ kind: 'organisation', orgId: 'org-a', actor: 'po-a' }, userId)
      .catch((error: unknown) => error);
    const fromC = await sut
      .erase({ kind: 'organisation', orgId: 'org-c', actor: 'po-c' }, userId)
      .catch((error: unknown) => error);

    expect(fromA).toMatchObject({ status: 403, code: 'SUBJECT_OF_OTHER_ORGANISATION' });
    expect(fromC).toMatchObject({ status: 404, code: 'SUBJECT_NOT_FOUND' });
  });

  describe('that sticks', () => {
    it('keeps a late event of an erased subject unreadable: a queue copy, a note, a new ticket', async () => {
      const secret = `Late-${randomUUID().slice(0, 8)}`;
      const userId = `user-${secret}`;
      const requester = {
        userId,
        orgId: 'org-erase',
        email: `${secret.toLowerCase()}@example.org`,
        name: `Name ${secret}`,
      };
      const ticket = submittedTicket({ message: `First ${secret}`, requester });
      const story = ticketStory(ticket);
      await store.recorder.record(story.slice(0, 2));

      await sut.erase(DPO, userId);
      // In flight when the erasure was made (the queue copy, a claim with a note), or sent after it.
      const later = submittedTicket({ message: `Second ${secret}`, requester });
      await store.recorder.record([...story.slice(2), ...ticketStory(later)]);

      const first = await tickets.getTicket(AUDITOR, ticket.ticketId);
      const second = await tickets.getTicket(AUDITOR, later.ticketId);
      expect(first.personalData).toMatchObject({ status: 'erased', requester: null, message: null });
      expect(second.personalData).toMatchObject({ status: 'erased', requester: null, message: null });
      expect((await dumpHistorySchema(database.url)).toLowerCase()).not.toContain(secret.toLowerCase());
      expect(await audit.verify(AUDITOR)).toMatchObject({ ok: true });
    });

    it('keeps an erased subject erased in a store rebuilt from the topics', async () => {
      const secret = `Rebuilt-${randomUUID().slice(0, 8)}`;
      const requester = {
        userId: null,
        orgId: 'org-erase',
        email: `${secret.toLowerCase()}@example.org`,
        name: `Name ${secret}`,
      };
      const ticket = submittedTicket({ channel: 'email', subject: `Subject ${secret}`, requester });
      await store.recorder.record(ticketStory(ticket));
      await sut.erase(DPO, requester.email);

      // Another store, from scratch: it reads the erasures first, then the whole history again.
      const rebuiltDatabase = await isolatedDatabase(testDatabaseUrl(), 'history_rebuilt');
      const rebuilt = await openHistoryStore(rebuiltDatabase.url);
      const kafka = createKafka({ brokers: testBrokers(), clientId: 'erasure-rebuild-test' });
      try {
        await new ErasureLedgerLoader(kafka, rebuilt.dataSource).onModuleInit();
        await rebuilt.recorder.record(ticketStory(ticket));

        const view = await new TicketsService(rebuilt.tickets, rebuilt.vault, rebuilt.dueAt).getTicket(
          AUDITOR,
          ticket.ticketId,
        );
        expect(view.personalData).toMatchObject({ status: 'erased', requester: null, subject: null });
        expect((await dumpHistorySchema(rebuiltDatabase.url)).toLowerCase()).not.toContain(secret.toLowerCase());
      } finally {
        await rebuilt.close();
        await rebuiltDatabase.drop();
      }
    });

    it('covers the addresses an account sent tickets under, and says what it covered', async () => {
      const secret = `Alias-${randomUUID().slice(0, 8)}`;
      const userId = `user-${secret}`;
      const address = `${secret.toLowerCase()}@example.org`;
      const chat = submittedTicket({
        channel: 'chat',
        requestType: null,
        message: `Chat ${secret}`,
        requester: { userId, orgId: 'org-erase', email: address, name: 'Al' },
      });
      const mail = submittedTicket({
        channel: 'email',
        message: `Mail ${secret}`,
        requester: { userId: null, orgId: null, email: address.toUpperCase(), name: null },
      });
      await store.recorder.record([...ticketStory(chat), ...ticketStory(mail)]);

      const outcome = await sut.erase(DPO, userId);

      expect(outcome.subjects).toEqual([userId, address]);
      expect(outcome.tickets).toBe(2);
      expect([...outcome.ticketReferences].sort()).toEqual([chat.reference, mail.reference].sort());
      expect((await tickets.getTicket(AUDITOR, mail.ticketId)).personalData).toMatchObject({
        status: 'erased',
        message: null,
      });
      expect((await dumpHistorySchema(database.url)).toLowerCase()).not.toContain(secret.toLowerCase());
    });

    it('is an event on Kafka, keyed by the pseudonym, naming no one, that other services erase their copies from', async () => {
      const userId = `user-${randomUUID()}`;
      const ticket = submittedTicket({
        requester: { userId, orgId: 'org-erase', email: 'kafka-erasure@example.org', name: 'K' },
      });
      await store.recorder.record(ticketStory(ticket));
      const client = new KafkaTestClient(testBrokers());
      try {
        const seen = await client.collect([Topics.subjectsErased]);

        const outcome = await sut.erase(DPO, userId);

        await eventually(() => expect(seen.map((record) => record.headers.ce_id)).toContain(outcome.erasureId), {
          timeoutMs: 15_000,
        });
        const record = seen.find((candidate) => candidate.headers.ce_id === outcome.erasureId);
        expect(record?.key).toBe(store.vault.subjectRef(userId));
        expect(record?.headers.ce_source).toBe('/support/history');
        expect(JSON.parse(record?.value ?? '{}')).toMatchObject({
          erasureId: outcome.erasureId,
          ticketIds: [ticket.ticketId],
          requestedBy: 'dpo-1',
        });
        expect(`${record?.key} ${record?.value} ${JSON.stringify(record?.headers)}`).not.toMatch(/kafka-erasure|user-/);
      } finally {
        await client.close();
      }
    });

    it('stores the workspace-testing consent without the requester’s id in clear', async () => {
      const userId = `consent-${randomUUID()}`;
      const ticket = submittedTicket({
        channel: 'form',
        requester: { userId, orgId: 'org-erase', email: 'consent@example.org', name: 'C' },
      });
      await store.recorder.record(
        ticketStory({
          ...ticket,
          workspaceTesting: { granted: true, grantedBy: userId, recordedAt: ticket.receivedAt },
        }),
      );

      const view = await tickets.getTicket(AUDITOR, ticket.ticketId);

      expect(view.allowWorkspaceTesting).toBe(true);
      expect(await dumpHistorySchema(database.url)).not.toContain(userId);
      await sut.erase(DPO, userId);
      expect(await dumpHistorySchema(database.url)).not.toContain(userId);
    });

    it('takes subject ids of up to 320 characters, and refuses longer ones', async () => {
      const longest = `${'p'.repeat(308)}@example.org`;

      const known = await sut.erase(DPO, longest).catch((error: unknown) => error);
      const tooLong = await sut.erase(DPO, `x${longest}`).catch((error: unknown) => error);

      expect(longest).toHaveLength(320);
      expect(known).toMatchObject({ status: 404, code: 'SUBJECT_NOT_FOUND' });
      expect(tooLong).toMatchObject({ status: 400, code: 'INVALID_SUBJECT' });
    });
  });

  it('makes personal data that names nobody unreadable once past its retention, and only that', async () => {
    const rejection = (rawValue: string, at: Date): KafkaEvent =>
      consumed(
        Topics.requestsRejected,
        {
          requestId: null,
          errors: [{ field: '', code: 'invalidJson', message: 'not valid JSON' }],
          rawValue,
          sourceTopic: Topics.requests,
          sourcePartition: '0',
          sourceOffset: '1',
          rejectedAt: at.toISOString(),
        },
        { id: randomUUID(), time: at.toISOString() },
      );
    const now = new Date();
    const old = rejection(`not json ${randomUUID()}`, new Date(now.getTime() - 40 * 86_400_000));
    const recent = rejection(`not json ${randomUUID()}`, new Date(now.getTime() - 2 * 86_400_000));
    await store.recorder.record([old, recent]);
    const readable = async (event: KafkaEvent): Promise<boolean> => {
      const rows = await store.dataSource.query<{ readable: boolean }[]>(
        `SELECT k.wrapped_key IS NOT NULL AS readable FROM history.events e JOIN history.subject_keys k ON k.key_id = e.key_id WHERE e.ce_id = $1`,
        [event.cloudEvent.id],
      );
      return rows[0]?.readable ?? false;
    };
    const config = loadHistoryConfig({ NODE_ENV: 'development', HISTORY_UNATTRIBUTED_RETENTION_DAYS: '30' });

    const destroyed = await new UnattributedRetention(store.dataSource, store.vault, config).sweep(now);

    expect(destroyed).toBeGreaterThanOrEqual(1);
    expect(await readable(old)).toBe(false);
    expect(await readable(recent)).toBe(true);
  });

  it('stores an event once per source and id: another producer reusing the id does not suppress it', async () => {
    const ticket = submittedTicket();
    const [submitted] = ticketStory(ticket);
    const id = randomUUID();
    const genuine = { ...(submitted as KafkaEvent), cloudEvent: { id, source: '/support/intake' } };
    const forged = { ...(submitted as KafkaEvent), offset: '1', cloudEvent: { id, source: '/someone/else' } };

    const first = await store.recorder.record([forged]);
    const second = await store.recorder.record([genuine]);
    const again = await store.recorder.record([genuine]);

    expect([first, second, again]).toEqual([1, 1, 0]);
  });
});
