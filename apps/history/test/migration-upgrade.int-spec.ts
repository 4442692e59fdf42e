import { randomUUID } from 'node:crypto';
import { Topics } from '#contracts';
import { createDataSource, runMigrations } from '#platform';
import { isolatedDatabase, lifecycleEvent, submittedTicket, testDatabaseUrl, ticketMessage } from '#testing';
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

  describe('to ticket progress (conversations)', () => {
    let upgraded: IsolatedDatabase;
    let progressStore: HistoryStore | undefined;

    beforeAll(async () => {
      upgraded = await isolatedDatabase(testDatabaseUrl(), 'history_progress');
    });

    afterAll(async () => {
      await progressStore?.close();
      await upgraded?.drop();
    });

    it('gives stored tickets their facts from their lifecycle events: the first reply, not a claim, is the first response; replied becomes pending, reopened open', async () => {
      const legacy = createDataSource({
        url: upgraded.url,
        entities: [],
        migrations: [CreateHistory1764300000000],
        migrationsTableName: HISTORY_MIGRATIONS_TABLE,
      });
      await legacy.initialize();
      await runMigrations(legacy, HISTORY_MIGRATIONS_TABLE);
      const replied = randomUUID();
      const reopened = randomUUID();
      const closedUnanswered = randomUUID();
      const lifecycle: [string, 'claimed' | 'replied' | 'resolved' | 'reopened', string][] = [
        [replied, 'claimed', '2026-11-25T10:30:00.000Z'],
        [replied, 'replied', '2026-11-25T11:00:00.000Z'],
        [reopened, 'replied', '2026-11-25T11:00:00.000Z'],
        [reopened, 'resolved', '2026-11-25T12:00:00.000Z'],
        [reopened, 'reopened', '2026-11-25T13:00:00.000Z'],
        [closedUnanswered, 'claimed', '2026-11-25T10:30:00.000Z'],
        [closedUnanswered, 'resolved', '2026-11-25T12:00:00.000Z'],
      ];
      let seq = 0;
      for (const [ticketId, event, at] of lifecycle) {
        seq += 1;
        await legacy.query(
          `INSERT INTO history.events (seq, ce_id, ticket_id, topic, type, occurred_at, kafka_partition, kafka_offset, payload)
           VALUES ($1, $2, $3, $4, 'legacy', $5, 0, $1, $6)`,
          [
            seq,
            randomUUID(),
            ticketId,
            Topics.ticketsLifecycle,
            at,
            JSON.stringify(lifecycleEvent({ ticketId, event, at, actor: 'agent-1' })),
          ],
        );
      }
      for (const [ticketId, status] of [
        [replied, 'replied'],
        [reopened, 'reopened'],
        [closedUnanswered, 'resolved'],
      ]) {
        // As the projection of the time had them: the first claim, reply or resolution counted as the first response.
        await legacy.query(
          `INSERT INTO history.tickets (ticket_id, status, org_id, queue, priority, sla_due_at, first_response_at, received_at)
           VALUES ($1, $2, 'org-l', 'support', 'P2', '2026-11-25T14:00:00.000Z', $3, '2026-11-25T10:00:00.000Z')`,
          [ticketId, status, ticketId === reopened ? '2026-11-25T11:00:00.000Z' : '2026-11-25T10:30:00.000Z'],
        );
      }
      await legacy.destroy();

      progressStore = await openHistoryStore(upgraded.url);
      const facts = async (): Promise<Map<string, Record<string, unknown>>> => {
        const rows = await (progressStore as HistoryStore).dataSource.query<Record<string, unknown>[]>(
          `SELECT ticket_id, status, claimed_by, first_response_at, last_reply_at, awaiting_since, resolved_at, next_response_due_at
             FROM history.tickets`,
        );
        return new Map(rows.map((row) => [row.ticket_id as string, row]));
      };
      const migrated = await facts();
      const refused = await progressStore.dataSource
        .query(`UPDATE history.tickets SET status = 'replied' WHERE ticket_id = $1`, [replied])
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      await progressStore.recorder.record([
        consumed(
          Topics.ticketsMessages,
          ticketMessage({
            ticketId: replied,
            sentAt: '2026-11-25T15:00:00.000Z',
            author: { kind: 'requester', id: null },
          }),
        ),
      ]);
      const followedUp = await facts();

      expect(migrated.get(replied)).toMatchObject({
        status: 'pending',
        claimed_by: 'agent-1',
        first_response_at: new Date('2026-11-25T11:00:00.000Z'),
        last_reply_at: new Date('2026-11-25T11:00:00.000Z'),
        awaiting_since: null,
        resolved_at: null,
      });
      expect(migrated.get(reopened)).toMatchObject({
        status: 'open',
        first_response_at: new Date('2026-11-25T11:00:00.000Z'),
        awaiting_since: new Date('2026-11-25T13:00:00.000Z'),
        next_response_due_at: new Date('2026-11-25T17:00:00.000Z'),
        resolved_at: null,
      });
      expect(migrated.get(closedUnanswered)).toMatchObject({
        status: 'resolved',
        first_response_at: null,
        resolved_at: new Date('2026-11-25T12:00:00.000Z'),
      });
      expect(String(refused)).toMatch(/tickets_status_check/);
      expect(followedUp.get(replied)).toMatchObject({
        status: 'open',
        awaiting_since: new Date('2026-11-25T15:00:00.000Z'),
        next_response_due_at: new Date('2026-11-25T19:00:00.000Z'),
      });
    });
  });
});
