import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Topics, toCloudEventHeaders, topicSpec } from '#contracts';
import type { PersonalDataAccessPayload, TicketMessagePayload, TicketSubmittedPayload, TopicName } from '#contracts';
import {
  eventually,
  isolatedDatabase,
  KafkaTestClient,
  lifecycleEvent,
  routedTicket,
  ServiceProcess,
  startGroupAtEnd,
  submittedTicket,
  testBrokers,
  testDatabaseUrl,
  ticketMessage,
  uniqueSuffix,
  userToken,
} from '#testing';
import type { IsolatedDatabase } from '#testing';
import { HISTORY_RECORDED_TOPICS } from '../src/recording/history.consumer.js';

const MINUTE_MS = 60_000;
/** P2's response target in the default rule set (calendar time). */
const P2_TARGET_MS = 240 * MINUTE_MS;

interface TimelineEntry {
  id: string;
  topic: string;
  type: string;
  time: string;
  [detail: string]: unknown;
}

interface TicketBody {
  ticketId: string;
  status: string;
  assignee: string | null;
  firstResponseAt: string | null;
  nextResponseDueAt: string | null;
  slaBreached: boolean;
  personalData: { status: string };
  timeline: TimelineEntry[];
}

interface Problem {
  status: number;
  code: string;
  errors?: { field: string; code: string }[];
}

describe('history: a ticket is a conversation', () => {
  const suffix = uniqueSuffix();
  const group = `support-history-conv-${suffix}`;
  const orgId = `org-conv-${suffix}`;
  const now = Date.now();
  const at = (offsetMinutes: number): string => new Date(now + offsetMinutes * MINUTE_MS).toISOString();
  let database: IsolatedDatabase;
  let owner: pg.Client;
  let history: ServiceProcess;
  let kafka: KafkaTestClient;
  const tokens: Record<string, string> = {};

  function requester(name: string): TicketSubmittedPayload['requester'] {
    return { userId: `u-${name}-${suffix}`, orgId, email: `${name}-${suffix}@example.org`, name };
  }

  async function publish(
    topic: TopicName,
    value: { ticketId: string },
    time: string,
    id = randomUUID(),
  ): Promise<void> {
    await kafka.produce(topic, [
      {
        key: value.ticketId,
        value: JSON.stringify(value),
        headers: toCloudEventHeaders({
          id,
          source: '/test',
          type: topicSpec(topic).eventType,
          time,
          subject: value.ticketId,
        }),
      },
    ]);
  }

  /** A submitted ticket routed to support at P2, its first response due two hours later. */
  async function openTicket(ticket: TicketSubmittedPayload, slaDueAt: string): Promise<void> {
    await publish(Topics.ticketsSubmitted, ticket, ticket.receivedAt);
    await publish(
      Topics.ticketsRouted,
      routedTicket({
        ticketId: ticket.ticketId,
        reference: ticket.reference,
        channel: ticket.channel,
        requestType: ticket.requestType,
        orgId,
        queue: 'support',
        assignee: null,
        priority: 'P2',
        slaDueAt,
        routedAt: ticket.receivedAt,
      }),
      ticket.receivedAt,
    );
    // Routing's decision first: a reply is late only against a known priority, and the topics are
    // consumed in no particular order between them.
    await ticketWhen(ticket.ticketId, (view) => expect(view.status).toBe('routed'));
  }

  async function message(ticket: TicketSubmittedPayload, overrides: Partial<TicketMessagePayload>): Promise<string> {
    const payload = ticketMessage({
      ticketId: ticket.ticketId,
      author: { kind: 'requester', id: ticket.requester.userId ?? null },
      ...overrides,
    });
    await publish(Topics.ticketsMessages, payload, payload.sentAt);
    return payload.messageId;
  }

  async function reply(ticket: TicketSubmittedPayload, sentAt: string): Promise<string> {
    return message(ticket, {
      direction: 'outbound',
      visibility: 'public',
      author: { kind: 'agent', id: 'agent-1' },
      body: 'We are on it.',
      sentAt,
    });
  }

  async function get(path: string, token = tokens.auditor): Promise<Response> {
    return fetch(`${history.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  }

  async function ticketView(ticketId: string): Promise<TicketBody> {
    const response = await get(`/v1/tickets/${ticketId}`);
    if (response.status !== 200) throw new Error(`ticket ${ticketId}: ${response.status}`);
    return (await response.json()) as TicketBody;
  }

  /** Waits until the ticket's view passes the check (the service consumes asynchronously). */
  async function ticketWhen(ticketId: string, check: (view: TicketBody) => void): Promise<TicketBody> {
    return eventually(
      async () => {
        const view = await ticketView(ticketId);
        check(view);
        return view;
      },
      { timeoutMs: 30_000 },
    );
  }

  async function storedEvent(
    ceId: string,
  ): Promise<{ seq: string; payload: string; personal_data: Buffer | null; key_id: string | null; hash: Buffer }> {
    const result = await owner.query<{
      seq: string;
      payload: string;
      personal_data: Buffer | null;
      key_id: string | null;
      hash: Buffer;
    }>(`SELECT seq::text, payload::text AS payload, personal_data, key_id, hash FROM history.events WHERE ce_id = $1`, [
      ceId,
    ]);
    const row = result.rows[0];
    if (row === undefined) throw new Error(`event ${ceId} not stored`);
    return row;
  }

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'history_conversation');
    kafka = new KafkaTestClient(testBrokers());
    await startGroupAtEnd(testBrokers(), group, HISTORY_RECORDED_TOPICS);
    history = await new ServiceProcess('history', {
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: database.url,
      HISTORY_CONSUMER_GROUP: group,
    }).start();
    owner = new pg.Client({ connectionString: database.url });
    await owner.connect();
    tokens.auditor = await userToken({ sub: 'auditor-global', roles: ['auditor:global'] });
    tokens.officer = await userToken({ sub: 'po-conv', org: orgId, roles: ['privacy-officer'] });
  }, 120_000);

  afterAll(async () => {
    await owner?.end();
    await history?.stop();
    await kafka?.close();
    await database?.drop();
  });

  it('is pending after a public reply, open with a next-response due time after a follow-up, resolved, reopened by a later follow-up', async () => {
    const ticket = submittedTicket({ requester: requester('flow'), receivedAt: at(-120) });
    await openTicket(ticket, at(120));
    await message(ticket, {
      direction: 'outbound',
      visibility: 'internal',
      author: { kind: 'agent', id: 'agent-1' },
      body: 'checking the logs',
      sentAt: at(-100),
    });
    await publish(
      Topics.ticketsLifecycle,
      lifecycleEvent({ ticketId: ticket.ticketId, event: 'claimed', at: at(-95), actor: 'agent-1' }),
      at(-95),
    );
    const claimed = await ticketWhen(ticket.ticketId, (view) => expect(view.status).toBe('claimed'));
    await reply(ticket, at(-90));

    const pending = await ticketWhen(ticket.ticketId, (view) => expect(view.status).toBe('pending'));
    await message(ticket, { sentAt: at(-60), body: 'It still fails.' });
    const open = await ticketWhen(ticket.ticketId, (view) => expect(view.status).toBe('open'));
    await reply(ticket, at(-30));
    await publish(
      Topics.ticketsLifecycle,
      lifecycleEvent({ ticketId: ticket.ticketId, event: 'resolved', at: at(-20), actor: 'agent-1' }),
      at(-20),
    );
    const resolved = await ticketWhen(ticket.ticketId, (view) => {
      expect(view.status).toBe('resolved');
      expect(view.timeline.filter((entry) => entry.topic === Topics.ticketsMessages)).toHaveLength(4);
    });
    await message(ticket, { sentAt: at(-10), body: 'It is back.' });
    const reopened = await ticketWhen(ticket.ticketId, (view) => expect(view.status).toBe('open'));

    // A claim is not a response; an internal note neither.
    expect(claimed).toMatchObject({ firstResponseAt: null, assignee: 'agent-1', slaBreached: false });
    expect(pending).toMatchObject({ firstResponseAt: at(-90), nextResponseDueAt: null, slaBreached: false });
    expect(open).toMatchObject({
      firstResponseAt: at(-90),
      nextResponseDueAt: new Date(Date.parse(at(-60)) + P2_TARGET_MS).toISOString(),
      slaBreached: false,
    });
    expect(resolved).toMatchObject({ nextResponseDueAt: null, slaBreached: false });
    expect(reopened).toMatchObject({
      firstResponseAt: at(-90),
      nextResponseDueAt: new Date(Date.parse(at(-10)) + P2_TARGET_MS).toISOString(),
      slaBreached: false,
    });
    const messages = reopened.timeline.filter((entry) => entry.topic === Topics.ticketsMessages);
    expect(messages.map((entry) => [entry.direction, entry.visibility, entry.authorKind, entry.body])).toEqual([
      ['outbound', 'internal', 'agent', 'checking the logs'],
      ['outbound', 'public', 'agent', 'We are on it.'],
      ['inbound', 'public', 'requester', 'It still fails.'],
      ['outbound', 'public', 'agent', 'We are on it.'],
      ['inbound', 'public', 'requester', 'It is back.'],
    ]);
    expect(messages.map((entry) => entry.type)).toEqual(
      Array.from({ length: 5 }, () => topicSpec(Topics.ticketsMessages).eventType),
    );
    expect(messages[2]?.time).toBe(at(-60));
  });

  it('marks a late next response as a breached SLA, the first response being on time', async () => {
    const ticket = submittedTicket({ requester: requester('late'), receivedAt: at(-600) });
    await openTicket(ticket, at(-480));
    await reply(ticket, at(-540));
    await message(ticket, { sentAt: at(-500), body: 'Any news?' });
    // Due 240 minutes after the follow-up, at -260: answered twenty minutes late.
    await reply(ticket, at(-240));

    const view = await ticketWhen(ticket.ticketId, (current) =>
      expect(current.timeline.filter((entry) => entry.topic === Topics.ticketsMessages)).toHaveLength(3),
    );
    const breached = (await (await get(`/v1/tickets?orgId=${orgId}&slaBreached=true`)).json()) as {
      items: { ticketId: string }[];
    };

    expect(view).toMatchObject({
      status: 'pending',
      firstResponseAt: at(-540),
      nextResponseDueAt: null,
      slaBreached: true,
    });
    expect(breached.items.map((item) => item.ticketId)).toContain(ticket.ticketId);
  });

  it('records an assignment with its agent, its source and its reason', async () => {
    const ticket = submittedTicket({ requester: requester('assigned'), receivedAt: at(-30) });
    await openTicket(ticket, at(90));
    await publish(
      Topics.ticketsLifecycle,
      lifecycleEvent({
        ticketId: ticket.ticketId,
        event: 'assigned',
        at: at(-29),
        actor: null,
        agentId: 'agent-7',
        by: 'policy',
        reason: 'least loaded of 3 online agents',
      }),
      at(-29),
    );

    const view = await ticketWhen(ticket.ticketId, (current) => expect(current.status).toBe('assigned'));

    expect(view.assignee).toBe('agent-7');
    expect(view.timeline.find((entry) => entry.event === 'assigned')).toMatchObject({
      agentId: 'agent-7',
      by: 'policy',
      reason: 'least loaded of 3 online agents',
    });
  });

  it('keeps a message’s body encrypted, erases it with its subject, and no replayed message makes it readable again', async () => {
    const ticket = submittedTicket({ requester: requester('erased'), receivedAt: at(-60) });
    const body = `My access code is 4815-${suffix}`;
    await openTicket(ticket, at(60));
    const followUp = ticketMessage({
      ticketId: ticket.ticketId,
      author: { kind: 'requester', id: ticket.requester.userId ?? null },
      body,
      sentAt: at(-50),
    });
    const ceId = randomUUID();
    await publish(Topics.ticketsMessages, followUp, followUp.sentAt, ceId);
    const access: PersonalDataAccessPayload = {
      accessId: randomUUID(),
      ticketId: ticket.ticketId,
      actor: 'agent-9',
      purpose: 'desk.ticket',
      at: at(-45),
    };
    const accessCeId = randomUUID();
    await publish(Topics.personalDataAccessed, access, access.at, accessCeId);

    const before = await ticketWhen(ticket.ticketId, (view) =>
      expect(view.timeline.map((entry) => entry.topic)).toContain(Topics.personalDataAccessed),
    );
    const raw = await storedEvent(ceId);
    const accessRow = await storedEvent(accessCeId);
    const erasure = await fetch(`${history.url}/v1/subjects/${ticket.requester.userId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tokens.officer}` },
    });
    // The same message again, as a replay or another producer's copy would bring it: a new event id.
    const replayCeId = randomUUID();
    await publish(Topics.ticketsMessages, followUp, followUp.sentAt, replayCeId);
    const after = await ticketWhen(ticket.ticketId, (view) =>
      expect(view.timeline.filter((entry) => entry.topic === Topics.ticketsMessages)).toHaveLength(2),
    );
    const replayed = await storedEvent(replayCeId);
    const verify = (await (await get('/v1/audit/verify')).json()) as { ok: boolean };

    expect(before.timeline.find((entry) => entry.id === ceId)).toMatchObject({
      direction: 'inbound',
      visibility: 'public',
      authorKind: 'requester',
      body,
    });
    expect(raw.key_id).not.toBeNull();
    expect(raw.personal_data).not.toBeNull();
    expect(raw.payload).not.toContain(body);
    expect(raw.payload).not.toContain(ticket.requester.userId);
    expect(raw.personal_data?.toString('utf8')).not.toContain(body);
    expect(before.timeline.find((entry) => entry.id === accessCeId)).toMatchObject({
      topic: Topics.personalDataAccessed,
      type: topicSpec(Topics.personalDataAccessed).eventType,
      time: access.at,
      actor: 'agent-9',
      purpose: 'desk.ticket',
    });
    expect(Number(accessRow.seq)).toBeGreaterThan(0);
    expect(accessRow.hash).toHaveLength(32);
    expect(erasure.status).toBe(200);
    expect(after.personalData.status).toBe('erased');
    expect(after.timeline.filter((entry) => entry.topic === Topics.ticketsMessages).map((entry) => entry.body)).toEqual(
      [null, null],
    );
    expect(replayed.personal_data).toBeNull();
    expect(replayed.payload).not.toContain(body);
    // The access stays, without personal data: who read, when, why.
    expect(after.timeline.find((entry) => entry.id === accessCeId)).toMatchObject({
      actor: 'agent-9',
      purpose: 'desk.ticket',
    });
    expect(verify.ok).toBe(true);
  });

  it('finds a ticket by its reference (in any case) or its request id, and refuses malformed ones with field errors', async () => {
    const ticket = submittedTicket({ requester: requester('filters'), receivedAt: at(-5) });
    const other = submittedTicket({ requester: requester('other'), receivedAt: at(-5) });
    await openTicket(ticket, at(60));
    await openTicket(other, at(60));
    const list = async (query: string): Promise<string[]> => {
      const response = await get(`/v1/tickets?${query}`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { items: { ticketId: string }[] }).items.map((item) => item.ticketId);
    };

    const byReference = await list(`reference=${ticket.reference}`);
    const byLowerCase = await list(`reference=${ticket.reference.toLowerCase()}`);
    const byRequest = await list(`requestId=${encodeURIComponent(ticket.requestId)}`);
    const both = await list(`reference=${ticket.reference}&requestId=${encodeURIComponent(other.requestId)}`);
    const badReference = await get('/v1/tickets?reference=SR-12');
    const badRequest = await get(`/v1/tickets?requestId=${'r'.repeat(129)}`);

    expect(byReference).toEqual([ticket.ticketId]);
    expect(byLowerCase).toEqual([ticket.ticketId]);
    expect(byRequest).toEqual([ticket.ticketId]);
    expect(both).toEqual([]);
    expect(badReference.status).toBe(400);
    expect(badReference.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await badReference.json()) as Problem).errors?.map((error) => error.field)).toEqual(['reference']);
    expect(badRequest.status).toBe(400);
    expect(((await badRequest.json()) as Problem).errors?.map((error) => error.field)).toEqual(['requestId']);
  });
});
