import { randomUUID } from 'node:crypto';
import { Topics } from '#contracts';
import { createDataSource, runMigrations } from '#platform';
import { isolatedDatabase, lifecycleEvent, submittedTicket, testDatabaseUrl } from '#testing';
import type { IsolatedDatabase } from '#testing';
import { AuditRepository } from '../src/audit/audit.repository.js';
import { AuditService } from '../src/audit/audit.service.js';
import { HISTORY_MIGRATIONS_TABLE } from '../src/history.module.js';
import { CreateHistory1764300000000 } from '../src/migrations/1764300000000-create-history.js';
import { TicketsService } from '../src/tickets/tickets.service.js';
import { consumed, openHistoryStore } from './history-store.js';
import type { HistoryStore } from './history-store.js';

describe('history store upgrade to the audit chain', () => {
  let database: IsolatedDatabase;
  let store: HistoryStore | undefined;

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'history_upgrade');
  });

  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('chains and encrypts the events stored before it, in their order, and the ticket keeps its requester', async () => {
    const ticket = submittedTicket({
      subject: 'Legacy subject',
      message: 'Legacy message',
      requester: { userId: 'legacy-user', orgId: 'org-l', email: 'legacy@example.org', name: 'Legacy Name' },
    });
    const legacy = createDataSource({
      url: database.url,
      entities: [],
      migrations: [CreateHistory1764300000000],
      migrationsTableName: HISTORY_MIGRATIONS_TABLE,
    });
    await legacy.initialize();
    await runMigrations(legacy, HISTORY_MIGRATIONS_TABLE);
    const insert = `INSERT INTO history.events (seq, ce_id, ticket_id, topic, type, occurred_at, kafka_partition, kafka_offset, payload) VALUES ($1, $2, $3, $4, 'legacy', $5, 0, $1, $6)`;
    // Sequence values lost to rolled-back transactions leave gaps: the upgrade closes them.
    await legacy.query(insert, [
      3,
      randomUUID(),
      ticket.ticketId,
      Topics.ticketsSubmitted,
      ticket.receivedAt,
      JSON.stringify(ticket),
    ]);
    await legacy.query(insert, [
      7,
      randomUUID(),
      ticket.ticketId,
      Topics.ticketsLifecycle,
      '2026-11-25T11:00:00.000Z',
      JSON.stringify(lifecycleEvent({ ticketId: ticket.ticketId, note: 'Legacy note' })),
    ]);
    await legacy.query(
      `INSERT INTO history.tickets (ticket_id, status, org_id, requester_user_id, received_at) VALUES ($1, 'claimed', 'org-l', 'legacy-user', $2)`,
      [ticket.ticketId, ticket.receivedAt],
    );
    await legacy.destroy();

    store = await openHistoryStore(database.url);
    const verify = await new AuditService(new AuditRepository(store.dataSource)).verify({
      kind: 'global',
      actor: 'auditor',
    });
    const rows = await store.dataSource.query<{ seq: string; payload: unknown; personal_data: Buffer | null }[]>(
      `SELECT seq, payload, personal_data FROM history.events ORDER BY seq`,
    );
    const view = await new TicketsService(store.tickets, store.vault, store.dueAt).getTicket(
      { kind: 'global', actor: 'auditor' },
      ticket.ticketId,
    );
    await store.recorder.record([
      consumed(Topics.ticketsLifecycle, lifecycleEvent({ ticketId: ticket.ticketId, event: 'resolved' })),
    ]);
    const continued = await new AuditService(new AuditRepository(store.dataSource)).verify({
      kind: 'global',
      actor: 'auditor',
    });

    expect(verify).toMatchObject({ ok: true, checked: 2, headSeq: '2' });
    expect(rows.map((row) => row.seq)).toEqual(['1', '2']);
    expect(rows.every((row) => row.personal_data !== null)).toBe(true);
    expect(JSON.stringify(rows.map((row) => row.payload))).not.toMatch(/Legacy|legacy@example\.org|legacy-user/);
    expect(view.personalData).toMatchObject({
      status: 'present',
      subject: 'Legacy subject',
      requester: { userId: 'legacy-user', email: 'legacy@example.org' },
    });
    expect(continued).toMatchObject({ ok: true, checked: 3, headSeq: '3' });
  });
});
