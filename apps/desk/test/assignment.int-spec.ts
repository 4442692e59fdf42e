import { Topics } from '#contracts';
import type { QueuedTicketPayload, TicketLifecyclePayload } from '#contracts';
import type { InProcessService, IsolatedDatabase, TopicTail } from '#testing';
import {
  KafkaTestClient,
  eventually,
  isolatedDatabase,
  queuedTicket,
  tailTopics,
  testBrokers,
  testDatabaseUrl,
  userToken,
} from '#testing';
import pg from 'pg';
import { skipDeskHistory, startDesk } from './desk-app.js';

const soon = <T>(assertion: () => Promise<T> | T): Promise<T> => eventually(assertion, { timeoutMs: 30_000 });

interface AgentRow {
  agentId: string;
  status: string;
  capacity: number;
  load: number;
  queues: string[];
}

describe('Assignment by presence, capacity and language (two desk instances, real Kafka and PostgreSQL)', () => {
  let database: IsolatedDatabase;
  let kafka: KafkaTestClient;
  let lifecycle: TopicTail;
  let presence: TopicTail;
  let sut: InProcessService;
  let other: InProcessService;
  let db: pg.Client;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'desk_it_assign');
    kafka = new KafkaTestClient(testBrokers());
    lifecycle = await tailTopics(kafka, [Topics.ticketsLifecycle]);
    presence = await tailTopics(kafka, [Topics.agents]);
    const groupId = 'support-desk-it-assign';
    await skipDeskHistory(groupId);
    sut = await startDesk({ env: { DATABASE_URL: database.url }, groupId });
    other = await startDesk({ env: { DATABASE_URL: database.url }, groupId });
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  });

  afterAll(async () => {
    // The agents leave the shared broker's presence topic: other suites' desks would give them tickets.
    const agents = new Set((presence?.records ?? []).flatMap((record) => (record.key ? [record.key] : [])));
    if (agents.size > 0)
      await kafka.produce(
        Topics.agents,
        [...agents].map((key) => ({ key, value: null })),
      );
    await Promise.all([sut?.stop(), other?.stop()]);
    await db?.end();
    await lifecycle?.stop();
    await presence?.stop();
    await kafka?.close();
    await database?.drop();
  });

  async function tokenOf(agentId: string, roles: string[] = ['agent']): Promise<string> {
    const key = `${agentId}:${roles.join(',')}`;
    if (!tokens.has(key)) tokens.set(key, await userToken({ sub: agentId, roles }));
    return tokens.get(key)!;
  }

  async function setPresence(
    agentId: string,
    body: Record<string, unknown>,
    base = sut.url,
    roles = ['agent'],
  ): Promise<Response> {
    return fetch(`${base}/v1/desk/agents/me`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await tokenOf(agentId, roles)}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async function queue(...tickets: QueuedTicketPayload[]): Promise<void> {
    for (const ticket of tickets) {
      const topic = ticket.queue === 'psm' ? Topics.queuePsm : Topics.queueSupport;
      await kafka.produce(topic, [{ key: ticket.ticketId, value: JSON.stringify(ticket) }]);
    }
  }

  async function assigneeOf(ticketId: string): Promise<string | null> {
    const { rows } = await db.query<{ assignee: string | null; assigned: boolean }>(
      `SELECT assignee, assigned FROM desk.tickets WHERE ticket_id = $1 AND queue IS NOT NULL`,
      [ticketId],
    );
    const row = rows[0];
    if (!row) throw new Error(`ticket ${ticketId} not in desk yet`);
    return row.assigned ? row.assignee : null;
  }

  const assignedEvents = (ticketId: string): TicketLifecyclePayload[] =>
    lifecycle.records
      .filter((record) => record.key === ticketId)
      .map((record) => JSON.parse(record.value ?? '{}') as TicketLifecyclePayload)
      .filter((event) => event.event === 'assigned');

  it('gives tickets to the least-loaded online agents, publishes presence, and shows leads the loads', async () => {
    const agents = ['ll-a', 'll-b'];
    for (const agent of agents) expect((await setPresence(agent, { status: 'online', capacity: 3 })).status).toBe(200);
    const tickets = Array.from({ length: 4 }, () => queuedTicket());

    await queue(...tickets);

    const owners = await soon(async () => {
      const found = await Promise.all(tickets.map((ticket) => assigneeOf(ticket.ticketId)));
      expect(found.every((owner) => owner !== null)).toBe(true);
      return found;
    });
    expect(owners.filter((owner) => owner === 'll-a')).toHaveLength(2);
    expect(owners.filter((owner) => owner === 'll-b')).toHaveLength(2);
    const events = await soon(() => {
      const found = assignedEvents(tickets[0]!.ticketId);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(events[0]).toMatchObject({
      by: 'policy',
      actor: null,
      reason: expect.stringMatching(/^least-loaded: ll-[ab] had \d of 3/) as unknown,
    });
    await soon(() =>
      expect(
        presence.records
          .filter((record) => record.key === 'll-a')
          .map((record) => JSON.parse(record.value ?? '{}') as Record<string, unknown>),
      ).toEqual([expect.objectContaining({ agentId: 'll-a', status: 'online', queues: ['support'], capacity: 3 })]),
    );
    const listed = await fetch(`${other.url}/v1/desk/agents`, {
      headers: { authorization: `Bearer ${await tokenOf('lead-1', ['lead'])}` },
    });
    expect(listed.status).toBe(200);
    const rows = ((await listed.json()) as { items: AgentRow[] }).items.filter((row) => agents.includes(row.agentId));
    expect(rows.map((row) => [row.agentId, row.status, row.load, row.capacity])).toEqual([
      ['ll-a', 'online', 2, 3],
      ['ll-b', 'online', 2, 3],
    ]);
    expect(
      (await fetch(`${sut.url}/v1/desk/agents`, { headers: { authorization: `Bearer ${await tokenOf('ll-a')}` } }))
        .status,
    ).toBe(403);
    // Resolved, the tickets free their agents' capacity; then the agents leave.
    for (const [index, ticket] of tickets.entries()) {
      const resolved = await fetch(`${sut.url}/v1/desk/tickets/${ticket.ticketId}/resolve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await tokenOf(owners[index]!)}` },
      });
      expect(resolved.status).toBe(200);
    }
    for (const agent of agents) expect((await setPresence(agent, { status: 'away' })).status).toBe(200);
  });

  it('lets tickets wait when nobody is free, then assigns them, most urgent first, as soon as someone is', async () => {
    const later = queuedTicket({ slaDueAt: new Date(Date.now() + 8 * 3_600_000).toISOString() });
    const sooner = queuedTicket({ slaDueAt: new Date(Date.now() + 3_600_000).toISOString() });
    await queue(later, sooner);
    await soon(async () => expect(await assigneeOf(sooner.ticketId)).toBeNull());

    expect((await setPresence('wait-a', { status: 'online', capacity: 1 }, other.url)).status).toBe(200);

    await soon(async () => expect(await assigneeOf(sooner.ticketId)).toBe('wait-a'));
    expect(await assigneeOf(later.ticketId)).toBeNull();
    await setPresence('wait-a', { status: 'offline' });
  });

  it('gives back the unclaimed tickets of an agent who goes away, keeps the claimed ones, and reassigns', async () => {
    await setPresence('gb-a', { status: 'online', capacity: 5 });
    const kept = queuedTicket();
    const given = queuedTicket();
    await queue(kept, given);
    await soon(async () => {
      expect(await assigneeOf(kept.ticketId)).toBe('gb-a');
      expect(await assigneeOf(given.ticketId)).toBe('gb-a');
    });
    const claim = await fetch(`${sut.url}/v1/desk/tickets/${kept.ticketId}/claim`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenOf('gb-a')}` },
    });
    expect(claim.status).toBe(200);
    await setPresence('gb-b', { status: 'online', capacity: 5 }, other.url);

    expect((await setPresence('gb-a', { status: 'away' })).status).toBe(200);

    await soon(async () => expect(await assigneeOf(given.ticketId)).toBe('gb-b'));
    const { rows } = await db.query<{ assignee: string; claimed_by: string }>(
      `SELECT assignee, claimed_by FROM desk.tickets WHERE ticket_id = $1`,
      [kept.ticketId],
    );
    expect(rows[0]).toEqual({ assignee: 'gb-a', claimed_by: 'gb-a' });
    await soon(() =>
      expect(assignedEvents(given.ticketId).map((event) => [event.agentId, event.reason?.split(':')[0]])).toEqual([
        ['gb-a', 'least-loaded'],
        [null, 'given back'],
        ['gb-b', 'least-loaded'],
      ]),
    );
    await setPresence('gb-b', { status: 'offline' });
  });

  it("prefers an agent who speaks the ticket's language", async () => {
    await setPresence('lang-en', { status: 'online', capacity: 5, locales: ['en'] });
    await setPresence('lang-fr', { status: 'online', capacity: 5, locales: ['fr'] });
    const french = queuedTicket({ ticket: { locale: 'fr' } });
    const english = queuedTicket({ ticket: { locale: 'en' } });

    await queue(french, english);

    await soon(async () => {
      expect(await assigneeOf(french.ticketId)).toBe('lang-fr');
      expect(await assigneeOf(english.ticketId)).toBe('lang-en');
    });
    await setPresence('lang-en', { status: 'offline' });
    await setPresence('lang-fr', { status: 'offline' });
  });

  it('keeps a chat with its dedicated PSM while online, else its backup, else the pool, and says why', async () => {
    await kafka.produce(Topics.psmAssignments, [
      {
        key: 'org-psm-it',
        value: JSON.stringify({ orgId: 'org-psm-it', psmId: 'psm-main', backupPsmId: 'psm-backup' }),
      },
    ]);
    const psm = ['agent', 'psm'];
    await setPresence('psm-main', { status: 'online' }, sut.url, psm);
    const online = queuedTicket({
      queue: 'psm',
      assignee: 'psm-main',
      ticket: { channel: 'chat', requester: { userId: 'u', orgId: 'org-psm-it', email: null, name: null } },
    });
    await queue(online);
    await soon(async () => expect(await assigneeOf(online.ticketId)).toBe('psm-main'));

    await setPresence('psm-backup', { status: 'online' }, sut.url, psm);
    await setPresence('psm-main', { status: 'away' }, sut.url, psm);
    const toBackup = queuedTicket({
      queue: 'psm',
      assignee: 'psm-main',
      ticket: { channel: 'chat', requester: { userId: 'u', orgId: 'org-psm-it', email: null, name: null } },
    });
    await queue(toBackup);
    await soon(async () => expect(await assigneeOf(toBackup.ticketId)).toBe('psm-backup'));
    // The away PSM gave their unclaimed chat back: it went to the backup too.
    await soon(async () => expect(await assigneeOf(online.ticketId)).toBe('psm-backup'));

    await setPresence('psm-backup', { status: 'offline' }, sut.url, psm);
    const toPool = queuedTicket({
      queue: 'psm',
      assignee: 'psm-main',
      ticket: { channel: 'chat', requester: { userId: 'u', orgId: 'org-psm-it', email: null, name: null } },
    });
    await queue(toPool);
    await soon(() =>
      expect(assignedEvents(toPool.ticketId)).toEqual([
        expect.objectContaining({
          agentId: null,
          reason: 'dedicated PSM psm-main is away and backup PSM psm-backup is offline: the PSM pool',
        }),
      ]),
    );
    expect(assignedEvents(toBackup.ticketId)[0]?.reason).toBe(
      'dedicated PSM psm-main is away: backup PSM psm-backup is online',
    );
  });

  it('never gives a ticket to two agents nor an agent more than their capacity while agents flap, on two instances', async () => {
    const agents = Array.from({ length: 6 }, (_, index) => `flap-${index}`);
    const capacity = 2;
    for (const agent of agents) await setPresence(agent, { status: 'online', capacity });
    const tickets = Array.from({ length: 60 }, () => queuedTicket());
    const overCapacity: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      const sampleDb = new pg.Client({ connectionString: database.url });
      await sampleDb.connect();
      while (sampling) {
        const { rows } = await sampleDb.query<{ assignee: string; load: number }>(
          `SELECT assignee, count(*)::int AS load FROM desk.tickets
            WHERE assigned AND claimed_by IS NULL AND status <> 'resolved' AND assignee = ANY($1) GROUP BY assignee`,
          [agents],
        );
        for (const row of rows) if (row.load > capacity) overCapacity.push(`${row.assignee}: ${row.load}`);
        await new Promise((done) => setTimeout(done, 25));
      }
      await sampleDb.end();
    })();

    await queue(...tickets);
    // Agents flap between online and away on either instance, and resolve what they hold.
    const deadline = Date.now() + 12_000;
    let round = 0;
    while (Date.now() < deadline) {
      round += 1;
      const agent = agents[round % agents.length]!;
      const base = round % 2 === 0 ? sut.url : other.url;
      await setPresence(agent, { status: round % 3 === 0 ? 'away' : 'online', capacity }, base);
      const { rows } = await db.query<{ ticket_id: string; assignee: string }>(
        `SELECT ticket_id, assignee FROM desk.tickets WHERE assigned AND status <> 'resolved' AND assignee = ANY($1) LIMIT 3`,
        [agents],
      );
      for (const row of rows)
        await fetch(`${base}/v1/desk/tickets/${row.ticket_id}/resolve`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await tokenOf(row.assignee)}` },
        });
      await new Promise((done) => setTimeout(done, 100));
    }
    sampling = false;
    await sampler;
    for (const agent of agents) await setPresence(agent, { status: 'online', capacity: 100 });
    await soon(async () => {
      const owners = await Promise.all(tickets.map((ticket) => assigneeOf(ticket.ticketId).catch(() => null)));
      const { rows } = await db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM desk.tickets WHERE ticket_id = ANY($1) AND (assigned OR status = 'resolved')`,
        [tickets.map((ticket) => ticket.ticketId)],
      );
      expect(rows[0]?.count).toBe(tickets.length);
      return owners;
    });

    expect(overCapacity).toEqual([]);
    // Per ticket, an agent is only ever replaced after the ticket was given back.
    await soon(() => expect(tickets.every((ticket) => assignedEvents(ticket.ticketId).length > 0)).toBe(true));
    const doubled = tickets.filter((ticket) => {
      const sequence = assignedEvents(ticket.ticketId).map((event) => event.agentId);
      return sequence.some((agent, index) => index > 0 && agent !== null && sequence[index - 1] !== null);
    });
    expect(doubled.map((ticket) => assignedEvents(ticket.ticketId).map((event) => event.agentId))).toEqual([]);
  });
});
