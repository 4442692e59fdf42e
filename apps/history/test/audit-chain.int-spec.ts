import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Topics } from '#contracts';
import type { KafkaEvent } from '#kafka';
import { isolatedDatabase, submittedTicket, testDatabaseUrl } from '#testing';
import type { IsolatedDatabase } from '#testing';
import { AuditRepository } from '../src/audit/audit.repository.js';
import { AuditService } from '../src/audit/audit.service.js';
import type { AccessScope } from '../src/access/audit-access.js';
import { HISTORY_APP_ROLE } from '../src/history.config.js';
import { consumed, openHistoryStore, ticketStory } from './history-store.js';
import type { HistoryStore } from './history-store.js';

const GLOBAL: AccessScope = { kind: 'global', actor: 'auditor-1' };

/** A superuser session on the same database: what an intruder with the owner's password could do. */
async function asSuperuser<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Ordinary triggers do not fire under replica replication role: the append-only guard is out of the way. */
async function tamper(url: string, sql: string, parameters: unknown[]): Promise<void> {
  await asSuperuser(url, async (client) => {
    await client.query(`SET session_replication_role = replica`);
    await client.query(sql, parameters);
  });
}

describe('audit chain', () => {
  let database: IsolatedDatabase;
  let store: HistoryStore;
  let sut: AuditService;
  let recorded: KafkaEvent[];

  beforeEach(async () => {
    recorded = [];
    database = await isolatedDatabase(testDatabaseUrl(), 'history_chain');
    store = await openHistoryStore(database.url);
    sut = new AuditService(new AuditRepository(store.dataSource));
    for (let index = 0; index < 3; index += 1) recorded.push(...ticketStory(submittedTicket()));
    recorded.push(consumed(Topics.requestsRejected, rejected()));
    for (let start = 0; start < recorded.length; start += 5)
      await store.recorder.record(recorded.slice(start, start + 5));
  });

  afterEach(async () => {
    await store?.close();
    await database?.drop();
  });

  function rejected(): Record<string, unknown> {
    return {
      requestId: `req-${randomUUID()}`,
      errors: [{ field: 'message', code: 'isLength', message: 'too long' }],
      rawValue: JSON.stringify({ requester: { email: 'rejected@example.org' }, message: 'x'.repeat(20) }),
      sourceTopic: Topics.requests,
      sourcePartition: '0',
      sourceOffset: '7',
      rejectedAt: '2026-11-25T10:00:00.000Z',
    };
  }

  async function seqOf(topic: string, index = 0): Promise<string> {
    const rows = await store.dataSource.query<{ seq: string }[]>(
      `SELECT seq FROM history.events WHERE topic = $1 ORDER BY seq OFFSET $2 LIMIT 1`,
      [topic, index],
    );
    return rows[0]?.seq ?? 'none';
  }

  it('verifies an intact chain of every kind of event, and replaying them all adds nothing', async () => {
    const first = await sut.verify(GLOBAL);
    const replayed = await store.recorder.record(recorded);
    const events = await store.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM history.events`,
    );

    expect(first).toMatchObject({ ok: true, checked: 19, headSeq: '19' });
    expect(replayed).toBe(0);
    expect(events[0]?.count).toBe(19);
  });

  it('keeps the chain and the head unchanged when the same records are delivered again', async () => {
    const story = ticketStory(submittedTicket());
    await store.recorder.record(story);
    const before = await sut.verify(GLOBAL);
    const added = await store.recorder.record([...story].reverse());
    const after = await sut.verify(GLOBAL);

    expect(added).toBe(0);
    expect(after).toEqual(before);
    expect(after.ok).toBe(true);
  });

  it('does not let the service’s database role change or remove an event', async () => {
    // One at a time: a rejection must meet its expectation before the next statement runs.
    await expect(store.dataSource.query(`UPDATE history.events SET type = 'forged' WHERE seq = 1`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(store.dataSource.query(`DELETE FROM history.events WHERE seq = 1`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(store.dataSource.query(`TRUNCATE history.events`)).rejects.toThrow(/permission denied/);
    await expect(store.dataSource.query(`UPDATE history.chain_head SET last_seq = 1`)).rejects.toThrow(
      /only moves forward/,
    );
  });

  it('logs in as its own role, which cannot take the owner’s rights back nor drop the guards', async () => {
    const [who] = await store.dataSource.query<{ session_user: string; current_user: string }[]>(
      `SELECT session_user, current_user`,
    );

    expect(who).toEqual({ session_user: HISTORY_APP_ROLE, current_user: HISTORY_APP_ROLE });
    await expect(
      store.dataSource.query(`RESET ROLE; UPDATE history.events SET type = 'forged' WHERE seq = 1`),
    ).rejects.toThrow(/permission denied/);
    await expect(
      store.dataSource.query(`ALTER TABLE history.events DISABLE TRIGGER events_append_only`),
    ).rejects.toThrow(/must be owner/);
    await expect(store.dataSource.query(`DROP TRIGGER events_append_only ON history.events`)).rejects.toThrow(
      /must be owner/,
    );
    await expect(store.dataSource.query(`SET session_replication_role = replica`)).rejects.toThrow(/permission denied/);
  });

  it('refuses updates and deletes even to the table owner (append-only trigger)', async () => {
    const attempt = (sql: string): Promise<unknown> => asSuperuser(database.url, (client) => client.query(sql));

    await expect(attempt(`UPDATE history.events SET type = 'forged' WHERE seq = 2`)).rejects.toThrow(
      /append-only: UPDATE refused/,
    );
    await expect(attempt(`DELETE FROM history.events WHERE seq = 2`)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(attempt(`TRUNCATE history.events`)).rejects.toThrow(/append-only: TRUNCATE refused/);
  });

  it('names the row a superuser edited', async () => {
    const seq = await seqOf(Topics.ticketsRouted, 1);
    await tamper(
      database.url,
      `UPDATE history.events SET payload = jsonb_set(payload::jsonb, '{priority}', '"P4"')::json WHERE seq = $1`,
      [seq],
    );
    const ceId = (
      await store.dataSource.query<{ ce_id: string }[]>(`SELECT ce_id FROM history.events WHERE seq = $1`, [seq])
    )[0]?.ce_id;

    const sut1 = await sut.verify(GLOBAL);

    expect(sut1).toMatchObject({
      ok: false,
      checked: Number(seq) - 1,
      firstBroken: { seq, ceId, problem: 'content-changed' },
    });
  });

  it('names the row a superuser deleted from the middle', async () => {
    const seq = await seqOf(Topics.ticketsLifecycle, 2);
    await tamper(database.url, `DELETE FROM history.events WHERE seq = $1`, [seq]);

    const outcome = await sut.verify(GLOBAL);

    expect(outcome).toMatchObject({ ok: false, firstBroken: { seq, problem: 'missing-entry' } });
  });

  it('notices a row rewritten with a recomputed hash, and events cut off the end', async () => {
    const middle = await seqOf(Topics.notifications);
    await tamper(database.url, `UPDATE history.events SET hash = sha256(hash) WHERE seq = $1`, [middle]);
    const rewritten = await sut.verify(GLOBAL);
    await tamper(database.url, `DELETE FROM history.events WHERE seq >= $1`, [middle]);
    const cut = await sut.verify(GLOBAL);

    expect(rewritten).toMatchObject({ ok: false, firstBroken: { seq: middle, problem: 'content-changed' } });
    expect(cut).toMatchObject({ ok: false, firstBroken: { seq: middle, problem: 'missing-entry' } });
  });

  it('hides the id of a broken entry from an organisation’s auditor', async () => {
    await tamper(database.url, `UPDATE history.events SET type = 'forged' WHERE seq = 3`, []);

    const outcome = await sut.verify({ kind: 'organisation', orgId: 'org-1', actor: 'auditor-2' });

    expect(outcome).toMatchObject({ ok: false, firstBroken: { seq: '3', ceId: null, problem: 'content-changed' } });
  });
});
