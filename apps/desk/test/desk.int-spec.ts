import { Topics } from '#contracts';
import type {
  PersonalDataAccessPayload,
  QueuedTicketPayload,
  TicketLifecyclePayload,
  TicketMessagePayload,
} from '#contracts';
import type { InProcessService, IsolatedDatabase, TopicTail } from '#testing';
import {
  KafkaTestClient,
  SseClient,
  eventually,
  isolatedDatabase,
  queuedTicket,
  subjectErased,
  tailTopics,
  testBrokers,
  testDatabaseUrl,
  ticketMessage,
  userToken,
} from '#testing';
import { skipDeskHistory, startDesk } from './desk-app.js';

const GROUP = 'support-desk-it';
const soon = <T>(assertion: () => Promise<T> | T): Promise<T> => eventually(assertion, { timeoutMs: 30_000 });

interface QueueRow {
  ticketId: string;
  reference: string;
  status: string;
  assignee: string | null;
  claimedBy: string | null;
  nextResponseDueAt: string | null;
  subject: string | null;
}

interface TicketView extends QueueRow {
  requester: { name: string | null; email: string | null; phone: string | null };
  conversation: { direction: string; visibility: string; authorKind: string; body: string | null }[];
  firstResponseAt: string | null;
  personalDataErased: boolean;
}

describe('Desk (two instances, real Kafka and PostgreSQL)', () => {
  let database: IsolatedDatabase;
  let kafka: KafkaTestClient;
  let published: TopicTail;
  let sut: InProcessService;
  let other: InProcessService;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'desk_it');
    kafka = new KafkaTestClient(testBrokers());
    published = await tailTopics(kafka, [Topics.ticketsLifecycle, Topics.ticketsMessages, Topics.personalDataAccessed]);
    await skipDeskHistory(GROUP);
    const env = { DATABASE_URL: database.url };
    sut = await startDesk({ env, groupId: GROUP });
    other = await startDesk({ env, groupId: GROUP });
    for (const [name, roles] of Object.entries({
      anna: ['agent'],
      bruno: ['agent'],
      lea: ['lead'],
      'psm-1': ['agent', 'psm'],
      'psm-2': ['agent', 'psm'],
      auditor: ['auditor:global'],
    }))
      tokens[name] = await userToken({ sub: name, roles });
  });

  afterAll(async () => {
    await Promise.all([sut?.stop(), other?.stop()]);
    await published?.stop();
    await kafka?.close();
    await database?.drop();
  });

  const as = (who: string, json = false): Record<string, string> => ({
    authorization: `Bearer ${tokens[who]}`,
    ...(json ? { 'content-type': 'application/json' } : {}),
  });

  async function queue(ticket: QueuedTicketPayload): Promise<void> {
    const topic = ticket.queue === 'psm' ? Topics.queuePsm : Topics.queueSupport;
    await kafka.produce(topic, [{ key: ticket.ticketId, value: JSON.stringify(ticket) }]);
  }

  async function rows(who: string, queueName = 'support', base = sut.url): Promise<QueueRow[]> {
    const response = await fetch(`${base}/v1/desk/queues/${queueName}/tickets`, { headers: as(who) });
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: QueueRow[] }).items;
  }

  async function queued(ticket: QueuedTicketPayload, who = 'anna'): Promise<QueueRow> {
    await queue(ticket);
    return soon(async () => {
      const row = (await rows(who, ticket.queue)).find((candidate) => candidate.ticketId === ticket.ticketId);
      expect(row).toBeDefined();
      return row!;
    });
  }

  const act = (who: string, ticketId: string, action: string, body?: unknown, base = sut.url): Promise<Response> =>
    fetch(`${base}/v1/desk/tickets/${ticketId}/${action}`, {
      method: 'POST',
      headers: as(who, body !== undefined),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const eventsOf = <T>(topic: string, ticketId: string): T[] =>
    published.records
      .filter((record) => record.topic === topic && record.key === ticketId)
      .map((record) => JSON.parse(record.value ?? '{}') as T);

  it('lists a queue, most urgent response first, to the agents who work it', async () => {
    const later = queuedTicket({ slaDueAt: new Date(Date.now() + 4 * 3_600_000).toISOString() });
    const sooner = queuedTicket({ slaDueAt: new Date(Date.now() + 3_600_000).toISOString() });
    await queued(later);
    await queued(sooner);

    const ids = (await rows('anna')).map((row) => row.ticketId);
    expect(ids.indexOf(sooner.ticketId)).toBeLessThan(ids.indexOf(later.ticketId));
    expect((await fetch(`${sut.url}/v1/desk/queues/support/tickets`, { headers: as('psm-1') })).status).toBe(403);
    expect((await fetch(`${sut.url}/v1/desk/queues/support/tickets`, { headers: as('auditor') })).status).toBe(403);
    expect((await fetch(`${sut.url}/v1/desk/queues/support/tickets`)).status).toBe(401);
  });

  it("shows a PSM their own tickets and the pool's, not another PSM's", async () => {
    const own = queuedTicket({ queue: 'psm', assignee: 'psm-1' });
    const pool = queuedTicket({ queue: 'psm', assignee: null });
    const others = queuedTicket({ queue: 'psm', assignee: 'psm-2' });
    await queued(others, 'psm-2');
    await queued(own, 'psm-1');
    await queued(pool, 'psm-1');

    const seen = new Set((await rows('psm-1', 'psm')).map((row) => row.ticketId));
    expect(seen.has(own.ticketId) && seen.has(pool.ticketId)).toBe(true);
    expect(seen.has(others.ticketId)).toBe(false);
    expect((await fetch(`${sut.url}/v1/desk/tickets/${others.ticketId}`, { headers: as('psm-1') })).status).toBe(403);
    expect((await rows('lea', 'psm')).map((row) => row.ticketId)).toEqual(expect.arrayContaining([others.ticketId]));
  });

  it('shows a ticket with its conversation and records the read in history first', async () => {
    const ticket = queuedTicket({
      ticket: {
        requester: { userId: 'u-9', orgId: 'org-1', email: 'u9@example.org', name: 'Ugo', phone: '+33612345678' },
      },
    });
    await queued(ticket);

    const response = await fetch(`${sut.url}/v1/desk/tickets/${ticket.ticketId}`, { headers: as('anna') });

    expect(response.status).toBe(200);
    const view = (await response.json()) as TicketView;
    expect(view.requester).toMatchObject({ name: 'Ugo', email: 'u9@example.org', phone: '+33612345678' });
    expect(view.conversation).toEqual([
      expect.objectContaining({ direction: 'inbound', authorKind: 'requester', body: ticket.ticket.message }),
    ]);
    const accesses = await soon(() => {
      const found = eventsOf<PersonalDataAccessPayload>(Topics.personalDataAccessed, ticket.ticketId);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(accesses[0]).toMatchObject({ ticketId: ticket.ticketId, actor: 'anna', purpose: 'desk.ticket' });
  });

  it('gives one of two agents claiming at once, on two instances, the ticket, and the other a 409', async () => {
    const ticket = queuedTicket();
    await queued(ticket);
    await soon(async () =>
      expect((await rows('bruno', 'support', other.url)).map((row) => row.ticketId)).toContain(ticket.ticketId),
    );

    const [first, second] = await Promise.all([
      act('anna', ticket.ticketId, 'claim', undefined, sut.url),
      act('bruno', ticket.ticketId, 'claim', undefined, other.url),
    ]);

    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const winner = first.status === 200 ? 'anna' : 'bruno';
    const loser = first.status === 409 ? first : second;
    expect((await loser.json()) as { code: string }).toMatchObject({ code: 'TICKET_CLAIMED_BY_ANOTHER' });
    const claims = await soon(() => {
      const found = eventsOf<TicketLifecyclePayload>(Topics.ticketsLifecycle, ticket.ticketId);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(claims[0]).toMatchObject({ event: 'claimed', actor: winner });
    // Claiming again is harmless and publishes nothing more.
    expect((await act(winner, ticket.ticketId, 'claim')).status).toBe(200);
  });

  it('publishes a public reply with its lifecycle event, a note without one, and tracks the status', async () => {
    const ticket = queuedTicket();
    await queued(ticket);
    expect((await act('anna', ticket.ticketId, 'claim')).status).toBe(200);

    const note = await act('anna', ticket.ticketId, 'reply', {
      text: 'Checked the logs, nothing yet.',
      visibility: 'internal',
    });
    expect(note.status).toBe(200);
    expect(((await note.json()) as TicketView).status).toBe('claimed');
    const reply = await act('anna', ticket.ticketId, 'reply', {
      text: 'Fixed: please try again.',
      visibility: 'public',
    });
    expect(reply.status).toBe(200);
    const replied = (await reply.json()) as TicketView;
    expect(replied.status).toBe('pending');
    expect(replied.firstResponseAt).not.toBeNull();

    const messages = await soon(() => {
      const found = eventsOf<TicketMessagePayload>(Topics.ticketsMessages, ticket.ticketId);
      expect(found).toHaveLength(2);
      return found;
    });
    expect(messages.map((message) => [message.direction, message.visibility, message.author])).toEqual([
      ['outbound', 'internal', { kind: 'agent', id: 'anna' }],
      ['outbound', 'public', { kind: 'agent', id: 'anna' }],
    ]);
    await soon(() =>
      expect(
        eventsOf<TicketLifecyclePayload>(Topics.ticketsLifecycle, ticket.ticketId).map((event) => event.event),
      ).toEqual(['claimed', 'replied']),
    );
    // Bruno did not claim it: his public reply is refused, his note is not.
    expect((await act('bruno', ticket.ticketId, 'reply', { text: 'Me too', visibility: 'public' })).status).toBe(409);
    expect((await act('bruno', ticket.ticketId, 'reply', { text: 'FYI', visibility: 'internal' })).status).toBe(200);
  });

  it("opens a ticket again with a next-response due time when the requester's follow-up arrives", async () => {
    const ticket = queuedTicket({ priority: 'P2' });
    await queued(ticket);
    expect((await act('anna', ticket.ticketId, 'reply', { text: 'Which browser?', visibility: 'public' })).status).toBe(
      200,
    );
    const sentAt = new Date().toISOString();

    await kafka.produce(Topics.ticketsMessages, [
      {
        key: ticket.ticketId,
        value: JSON.stringify(ticketMessage({ ticketId: ticket.ticketId, sentAt, body: 'Firefox 140' })),
      },
    ]);

    const row = await soon(async () => {
      const found = (await rows('anna')).find((candidate) => candidate.ticketId === ticket.ticketId);
      expect(found?.status).toBe('open');
      return found!;
    });
    // P2: four hours on the calendar clock.
    expect(Date.parse(row.nextResponseDueAt ?? '')).toBe(Date.parse(sentAt) + 4 * 3_600_000);
    const view = (await (
      await fetch(`${sut.url}/v1/desk/tickets/${ticket.ticketId}`, { headers: as('anna') })
    ).json()) as TicketView;
    expect(view.conversation.map((message) => [message.direction, message.body])).toEqual([
      ['inbound', ticket.ticket.message],
      ['outbound', 'Which browser?'],
      ['inbound', 'Firefox 140'],
    ]);
  });

  it('resolves and reopens, and refuses what the state does not allow', async () => {
    const ticket = queuedTicket();
    await queued(ticket);

    expect((await act('anna', ticket.ticketId, 'reopen')).status).toBe(409);
    const resolved = await act('anna', ticket.ticketId, 'resolve');
    expect(((await resolved.json()) as TicketView).status).toBe('resolved');
    expect((await act('anna', ticket.ticketId, 'reply', { text: 'late', visibility: 'public' })).status).toBe(409);
    expect((await rows('anna')).map((row) => row.ticketId)).not.toContain(ticket.ticketId);
    const reopened = await act('bruno', ticket.ticketId, 'reopen');
    expect(reopened.status).toBe(200);
    expect(((await reopened.json()) as TicketView).status).toBe('open');
  });

  it('lets a lead give a ticket to an agent, and nobody else', async () => {
    const ticket = queuedTicket();
    await queued(ticket);

    expect((await act('anna', ticket.ticketId, 'assign', { agentId: 'bruno' })).status).toBe(403);
    const assigned = await act('lea', ticket.ticketId, 'assign', { agentId: 'bruno' });
    expect(assigned.status).toBe(200);
    expect((await assigned.json()) as TicketView).toMatchObject({ status: 'assigned', assignee: 'bruno' });
    await soon(() =>
      expect(eventsOf<TicketLifecyclePayload>(Topics.ticketsLifecycle, ticket.ticketId)).toEqual([
        expect.objectContaining({ event: 'assigned', agentId: 'bruno', by: 'lead', actor: 'lea' }),
      ]),
    );
  });

  it('answers bad replies with field errors, 413 or 403', async () => {
    const ticket = queuedTicket();
    const psmTicket = queuedTicket({ queue: 'psm', assignee: 'psm-1' });
    await queued(ticket);
    await queued(psmTicket, 'psm-1');

    const empty = await act('anna', ticket.ticketId, 'reply', { text: '', visibility: 'shout' });
    expect(empty.status).toBe(400);
    expect(empty.headers.get('content-type')).toContain('application/problem+json');
    const fields = ((await empty.json()) as { errors: { field: string }[] }).errors.map((error) => error.field).sort();
    expect(fields).toEqual(['text', 'visibility']);
    expect(
      (await act('anna', ticket.ticketId, 'reply', { text: 'x'.repeat(70_000), visibility: 'public' })).status,
    ).toBe(413);
    expect((await act('anna', psmTicket.ticketId, 'reply', { text: 'Hello', visibility: 'public' })).status).toBe(403);
    expect((await act('anna', 'no-such-ticket', 'claim')).status).toBe(404);
  });

  it('streams queue events live and, after a reconnection with Last-Event-ID, what was missed', async () => {
    const stream = await SseClient.connect(`${other.url}/v1/desk/stream`, as('anna'));
    expect(stream.status).toBe(200);
    const first = queuedTicket();
    await queue(first);
    const added = await soon(() => {
      const found = stream.of('ticket.added').find((event) => event.data.includes(first.ticketId));
      expect(found).toBeDefined();
      return found!;
    });
    await stream.close();

    const missed = queuedTicket();
    await queued(missed);
    expect((await act('anna', first.ticketId, 'claim')).status).toBe(200);
    const again = await SseClient.connect(`${sut.url}/v1/desk/stream`, {
      ...as('anna'),
      'last-event-id': added.id ?? '',
    });

    await soon(() => {
      expect(again.of('ticket.added').some((event) => event.data.includes(missed.ticketId))).toBe(true);
      expect(again.of('ticket.assigned').some((event) => event.data.includes(first.ticketId))).toBe(true);
    });
    expect(again.of().every((event) => Number(event.id) > Number(added.id))).toBe(true);
    await again.close();
    // A PSM's stream, replayed from the same point, carries the pool's tickets and nothing of the support queue.
    const pool = queuedTicket({ queue: 'psm', assignee: null });
    await queued(pool, 'psm-1');
    const psm = await SseClient.connect(`${sut.url}/v1/desk/stream`, {
      ...as('psm-1'),
      'last-event-id': added.id ?? '',
    });
    await soon(() => expect(psm.of('ticket.added').some((event) => event.data.includes(pool.ticketId))).toBe(true));
    expect(
      psm.of().filter((event) => event.data.includes(missed.ticketId) || event.data.includes(first.ticketId)),
    ).toEqual([]);
    await psm.close();
  });

  it("forgets an erased requester's personal data, and does not store it when the ticket comes later", async () => {
    const ticket = queuedTicket();
    const late = queuedTicket();
    await queued(ticket);
    await act('anna', ticket.ticketId, 'reply', { text: 'Your account id is 42', visibility: 'public' });

    await kafka.produce(Topics.subjectsErased, [
      { key: 'a'.repeat(64), value: JSON.stringify(subjectErased({ ticketIds: [ticket.ticketId, late.ticketId] })) },
    ]);
    const view = await soon(async () => {
      const found = (await (
        await fetch(`${sut.url}/v1/desk/tickets/${ticket.ticketId}`, { headers: as('anna') })
      ).json()) as TicketView;
      expect(found.personalDataErased).toBe(true);
      return found;
    });
    expect(view.requester).toMatchObject({ name: null, email: null, phone: null });
    expect(view.subject).toBeNull();
    expect(view.conversation.map((message) => message.body)).toEqual([null, null]);

    await queue(late);
    const lateRow = await soon(async () => {
      const found = (await rows('anna')).find((candidate) => candidate.ticketId === late.ticketId);
      expect(found).toBeDefined();
      return found!;
    });
    expect(lateRow.subject).toBeNull();
  });
});
