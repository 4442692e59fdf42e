import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Topics, deterministicUuid, ticketReference } from '#contracts';
import type { RequestRejectedPayload, TicketMessagePayload, TicketSubmittedPayload } from '#contracts';
import {
  KafkaTestClient,
  ServiceProcess,
  eventually,
  lifecycleEvent,
  subjectErased,
  tailTopics,
  testBrokers,
  testDatabaseUrl,
  upstreamRequest,
  userToken,
} from '#testing';
import type { ReadRecord, TopicTail } from '#testing';
import { GATEWAY_KEY, PHONE_KEY, TEST_API_KEYS } from './intake.fixtures.js';
import type { Problem } from './intake.fixtures.js';

interface Answer {
  ticketId: string;
  reference: string;
  status: 'received' | 'follow-up';
  receivedAt?: string;
  messageId?: string;
}

const DAY_MS = 86_400_000;

async function sql<T = unknown>(text: string, parameters: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    return (await client.query(text, parameters)).rows as T[];
  } finally {
    await client.end();
  }
}

async function ownerRow(ticketId: string): Promise<{ resolved_at: Date | null } | undefined> {
  const rows = await sql<{ resolved_at: Date | null }>(
    `SELECT resolved_at FROM intake.ticket_owners WHERE ticket_id = $1`,
    [ticketId],
  );
  return rows[0];
}

const payloads = <T>(records: readonly ReadRecord[]): T[] =>
  records.map((record) => JSON.parse(record.value ?? 'null') as T);

describe('Follow-ups: a ticket is a conversation', () => {
  let sut: ServiceProcess;
  let kafka: KafkaTestClient;
  // From the topics' ends: other suites' records (poison ones too) are not this suite's.
  let submitted: TopicTail;
  let messages: TopicTail;
  let rejected: TopicTail;

  beforeAll(async () => {
    kafka = new KafkaTestClient(testBrokers());
    sut = new ServiceProcess('intake', {
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: testDatabaseUrl(),
      INTAKE_API_KEYS: TEST_API_KEYS,
    });
    await sut.start();
    [submitted, messages, rejected] = await Promise.all([
      tailTopics(kafka, [Topics.ticketsSubmitted]),
      tailTopics(kafka, [Topics.ticketsMessages]),
      tailTopics(kafka, [Topics.requestsRejected]),
    ]);
  });

  afterAll(async () => {
    await Promise.all([submitted, messages, rejected].map((tail) => tail?.stop()));
    await sut?.stop();
    await kafka?.close();
  });

  async function post(
    body: Record<string, unknown>,
    auth: { token: string } | { apiKey: string },
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(`${sut.url}/v1/requests`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...('token' in auth ? { authorization: `Bearer ${auth.token}` } : { 'x-api-key': auth.apiKey }),
        ...headers,
      },
      body: JSON.stringify(body),
    });
  }

  async function accepted(response: Response): Promise<Answer> {
    expect(response.status).toBe(202);
    return (await response.json()) as Answer;
  }

  async function chatUser(): Promise<{ token: string; userId: string }> {
    const userId = `user-${randomUUID()}`;
    return { token: await userToken({ sub: userId, email: `${userId}@example.org` }), userId };
  }

  const messagesOf = (ticketId: string): TicketMessagePayload[] =>
    payloads<TicketMessagePayload>(messages.records.filter((record) => record.key === ticketId));
  const ticketsWith = (text: string): TicketSubmittedPayload[] =>
    payloads<TicketSubmittedPayload>(submitted.records).filter((ticket) => ticket.message === text);

  /**
   * Waits for a ticket produced after what a test sent: a record published before it has been
   * collected too (one broker, every partition read by the same consumer), so an absence is an absence.
   */
  async function settled(key: string | null = null): Promise<void> {
    const sentinel = upstreamRequest({ message: `sentinel ${randomUUID()}` });
    await kafka.produce(Topics.requests, [{ key: key ?? sentinel.requestId, value: JSON.stringify(sentinel) }]);
    await eventually(() => expect(ticketsWith(sentinel.message)).toHaveLength(1));
  }

  async function resolve(ticketId: string, at: Date): Promise<void> {
    await kafka.produce(Topics.ticketsLifecycle, [
      { key: ticketId, value: JSON.stringify(lifecycleEvent({ ticketId, event: 'resolved', at: at.toISOString() })) },
    ]);
    await eventually(async () => expect((await ownerRow(ticketId))?.resolved_at?.toISOString()).toBe(at.toISOString()));
  }

  describe('over HTTP', () => {
    it('joins the chat ticket of the same user: one message event, the ticket’s reference, and no new ticket', async () => {
      const user = await chatUser();
      const ticket = await accepted(await post({ channel: 'chat', message: 'The export fails' }, user));
      const text = `Any news? ${randomUUID()}`;
      const sentAfter = Date.now();

      const sut = await accepted(
        await post({ channel: 'chat', message: text, ticketReference: ticket.reference.toLowerCase() }, user),
      );

      expect(Object.keys(sut).sort()).toEqual(['messageId', 'reference', 'status', 'ticketId']);
      expect(sut).toMatchObject({ ticketId: ticket.ticketId, reference: ticket.reference, status: 'follow-up' });
      expect(sut.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      await eventually(() => expect(messagesOf(ticket.ticketId)).toHaveLength(1));
      const [message] = messagesOf(ticket.ticketId);
      expect(message).toMatchObject({
        ticketId: ticket.ticketId,
        messageId: sut.messageId,
        direction: 'inbound',
        visibility: 'public',
        author: { kind: 'requester', id: user.userId },
        channel: 'chat',
        body: text,
      });
      expect(Date.parse(message?.sentAt ?? '')).toBeGreaterThanOrEqual(sentAfter);
      expect(Date.parse(message?.sentAt ?? '')).toBeLessThanOrEqual(Date.now());
      const record = messages.records.find((candidate) => candidate.key === ticket.ticketId);
      expect(record?.headers.ce_id).toBe(sut.messageId);
      expect(JSON.stringify(record?.headers)).not.toContain(user.userId);
      await settled();
      expect(ticketsWith(text)).toEqual([]);
    });

    it('joins a ticket created with an Idempotency-Key, and answers a retry of the follow-up with the same message, written once', async () => {
      const user = await chatUser();
      const ticket = await accepted(
        await post({ channel: 'form', requestType: 'bug', message: 'Crash' }, user, {
          'idempotency-key': randomUUID(),
        }),
      );
      const body = { channel: 'chat', message: `Still broken ${randomUUID()}`, ticketReference: ticket.reference };
      const key = randomUUID();

      const once = await accepted(await post(body, user, { 'idempotency-key': key }));
      const again = await accepted(await post(body, user, { 'idempotency-key': key }));

      expect(again).toEqual(once);
      expect(once).toMatchObject({ ticketId: ticket.ticketId, status: 'follow-up' });
      await settled();
      expect(messagesOf(ticket.ticketId).map((message) => message.messageId)).toEqual([once.messageId]);
    });

    it('joins the email ticket of the same address, compared case-insensitively, from a reference in the subject', async () => {
      const address = `jeanne.${randomUUID()}@example.org`;
      const ticket = await accepted(
        await post(
          {
            channel: 'email',
            subject: 'DPA',
            message: 'Do you have a DPA?',
            requester: { email: address.toUpperCase() },
          },
          { apiKey: GATEWAY_KEY },
        ),
      );
      const text = `Thanks, and the annexes? ${randomUUID()}`;

      const sut = await accepted(
        await post(
          { channel: 'email', subject: `Re: [${ticket.reference}] DPA`, message: text, requester: { email: address } },
          { apiKey: GATEWAY_KEY },
        ),
      );

      expect(sut).toMatchObject({ ticketId: ticket.ticketId, reference: ticket.reference, status: 'follow-up' });
      await eventually(() =>
        expect(messagesOf(ticket.ticketId)).toEqual([
          expect.objectContaining({ author: { kind: 'requester', id: null }, channel: 'email', body: text }),
        ]),
      );
      await settled();
      expect(ticketsWith(text)).toEqual([]);
    });

    it('refuses on chat and form an unknown reference and someone else’s with the same 404 problem', async () => {
      const owner = await chatUser();
      const other = await chatUser();
      const ticket = await accepted(await post({ channel: 'chat', message: 'Mine' }, owner));
      const unknown = ticketReference(randomUUID());

      const foreign = await post({ channel: 'chat', message: 'Hello', ticketReference: ticket.reference }, other);
      const missing = await post({ channel: 'chat', message: 'Hello', ticketReference: unknown }, other);
      const viaForm = await post(
        { channel: 'form', requestType: 'bug', message: 'Hello', ticketReference: ticket.reference },
        other,
      );

      expect([foreign.status, missing.status, viaForm.status]).toEqual([404, 404, 404]);
      expect(foreign.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const [foreignBody, missingBody, formBody] = (await Promise.all(
        [foreign, missing, viaForm].map((response) => response.json()),
      )) as Problem[];
      expect(foreignBody).toEqual(missingBody);
      expect(formBody).toEqual(missingBody);
      expect(missingBody).toMatchObject({ status: 404, code: 'TICKET_NOT_FOUND' });
      expect(JSON.stringify(missingBody)).not.toContain(ticket.ticketId);
      await settled();
      expect(messagesOf(ticket.ticketId)).toEqual([]);
    });

    it('starts a new ticket, not attached to the other one, when an email sender is not the ticket’s requester', async () => {
      const ticket = await accepted(
        await post(
          { channel: 'email', message: 'Original', requester: { email: `owner-${randomUUID()}@example.org` } },
          { apiKey: GATEWAY_KEY },
        ),
      );
      const text = `Let me in ${randomUUID()}`;

      const sut = await accepted(
        await post(
          {
            channel: 'phone',
            message: text,
            ticketReference: ticket.reference,
            requester: { email: `intruder-${randomUUID()}@example.org` },
          },
          { apiKey: PHONE_KEY },
        ),
      );

      expect(sut.status).toBe('received');
      expect(sut.ticketId).not.toBe(ticket.ticketId);
      await eventually(() => expect(ticketsWith(text)).toHaveLength(1));
      expect(ticketsWith(text)[0]?.relatedTicketId).toBeUndefined();
      await settled();
      expect(messagesOf(ticket.ticketId)).toEqual([]);
    });

    it('reopens a ticket resolved within the reopen window, and it is no longer resolved', async () => {
      const user = await chatUser();
      const ticket = await accepted(await post({ channel: 'chat', message: 'Question' }, user));
      await resolve(ticket.ticketId, new Date(Date.now() - 6 * DAY_MS));

      const sut = await accepted(
        await post({ channel: 'chat', message: 'One more thing', ticketReference: ticket.reference }, user),
      );

      expect(sut).toMatchObject({ ticketId: ticket.ticketId, status: 'follow-up' });
      expect((await ownerRow(ticket.ticketId))?.resolved_at).toBeNull();
    });

    it('starts a new ticket naming the old one after the reopen window', async () => {
      const user = await chatUser();
      const ticket = await accepted(await post({ channel: 'chat', message: 'Old question' }, user));
      await resolve(ticket.ticketId, new Date(Date.now() - 8 * DAY_MS));
      const text = `Back again ${randomUUID()}`;

      const sut = await accepted(
        await post({ channel: 'chat', message: text, ticketReference: ticket.reference }, user),
      );

      expect(sut.status).toBe('received');
      expect(sut.ticketId).not.toBe(ticket.ticketId);
      expect(sut.reference).toBe(ticketReference(sut.ticketId));
      expect(sut.messageId).toBeUndefined();
      await eventually(() =>
        expect(ticketsWith(text)).toEqual([
          expect.objectContaining({ ticketId: sut.ticketId, relatedTicketId: ticket.ticketId }),
        ]),
      );
      await settled();
      expect(messagesOf(ticket.ticketId)).toEqual([]);
    });

    it('lets a ticket reopened by its agent be followed up however long ago it was resolved', async () => {
      const user = await chatUser();
      const ticket = await accepted(await post({ channel: 'chat', message: 'Question' }, user));
      await resolve(ticket.ticketId, new Date(Date.now() - 30 * DAY_MS));
      await kafka.produce(Topics.ticketsLifecycle, [
        {
          key: ticket.ticketId,
          value: JSON.stringify(lifecycleEvent({ ticketId: ticket.ticketId, event: 'reopened' })),
        },
      ]);
      await eventually(async () => expect((await ownerRow(ticket.ticketId))?.resolved_at).toBeNull());

      const sut = await accepted(
        await post({ channel: 'chat', message: 'Thanks', ticketReference: ticket.reference }, user),
      );

      expect(sut).toMatchObject({ ticketId: ticket.ticketId, status: 'follow-up' });
    });
  });

  describe(`on ${Topics.requests}`, () => {
    it('joins the ticket of the same address with a message event whose id the requestId gives, reopening it', async () => {
      const address = `kafka-${randomUUID()}@example.org`;
      const first = upstreamRequest({ requester: { email: address } });
      await kafka.produce(Topics.requests, [{ key: first.requestId, value: JSON.stringify(first) }]);
      const ticketId = deterministicUuid('ticket', first.requestId);
      await eventually(async () => expect(await ownerRow(ticketId)).toBeDefined());
      await resolve(ticketId, new Date(Date.now() - DAY_MS));
      const followUp = upstreamRequest({
        ticketReference: ticketReference(ticketId),
        message: `Follow-up ${randomUUID()}`,
        requester: { email: address.toUpperCase(), userId: 'crm-42' },
      });

      await kafka.produce(Topics.requests, [
        { key: followUp.requestId, value: JSON.stringify(followUp) },
        { key: followUp.requestId, value: JSON.stringify(followUp) },
      ]);

      await eventually(() =>
        expect(messagesOf(ticketId)).toEqual([
          expect.objectContaining({
            messageId: deterministicUuid('ticket.message', followUp.requestId),
            author: { kind: 'requester', id: 'crm-42' },
            body: followUp.message,
            channel: 'email',
          }),
        ]),
      );
      // Behind the duplicate on its partition: once it is in, the duplicate has been handled.
      await settled(followUp.requestId);
      expect(messagesOf(ticketId)).toHaveLength(1);
      expect(ticketsWith(followUp.message)).toEqual([]);
      await eventually(async () => expect((await ownerRow(ticketId))?.resolved_at).toBeNull());
    });

    it('rejects a chat follow-up naming someone else’s ticket, and starts a new ticket for an email one', async () => {
      const owner = upstreamRequest({
        channel: 'chat',
        requester: { email: 'a@example.org', userId: `u-${randomUUID()}` },
      });
      await kafka.produce(Topics.requests, [{ key: owner.requestId, value: JSON.stringify(owner) }]);
      const ticketId = deterministicUuid('ticket', owner.requestId);
      await eventually(async () => expect(await ownerRow(ticketId)).toBeDefined());
      const chat = upstreamRequest({
        channel: 'chat',
        ticketReference: ticketReference(ticketId),
        requester: { email: 'a@example.org', userId: `u-${randomUUID()}` },
      });
      const email = upstreamRequest({
        subject: `Re: [${ticketReference(ticketId)}]`,
        message: `Not mine ${randomUUID()}`,
        requester: { email: `other-${randomUUID()}@example.org` },
      });

      await kafka.produce(Topics.requests, [
        { key: chat.requestId, value: JSON.stringify(chat) },
        { key: email.requestId, value: JSON.stringify(email) },
      ]);

      const rejection = await eventually(() => {
        const found = payloads<RequestRejectedPayload>(rejected.records).find(
          (payload) => payload.requestId === chat.requestId,
        );
        if (!found) throw new Error('not rejected yet');
        return found;
      });
      expect(rejection.errors).toEqual([
        expect.objectContaining({ field: 'ticketReference', code: 'unknownTicketReference' }),
      ]);
      await eventually(() =>
        expect(ticketsWith(email.message)).toEqual([
          expect.objectContaining({ ticketId: deterministicUuid('ticket', email.requestId) }),
        ]),
      );
      await settled();
      expect(messagesOf(ticketId)).toEqual([]);
    });
  });

  it('forgets who owns the tickets of an erased subject: a follow-up no longer joins them', async () => {
    const user = await chatUser();
    const ticket = await accepted(await post({ channel: 'chat', message: 'To be erased' }, user));
    expect(await ownerRow(ticket.ticketId)).toBeDefined();

    await kafka.produce(Topics.subjectsErased, [
      {
        key: 'd'.repeat(64),
        value: JSON.stringify(subjectErased({ subjectRef: 'd'.repeat(64), ticketIds: [ticket.ticketId] })),
      },
    ]);
    await eventually(async () => expect(await ownerRow(ticket.ticketId)).toBeUndefined(), { timeoutMs: 20_000 });

    const sut = await post({ channel: 'chat', message: 'Hello again', ticketReference: ticket.reference }, user);

    expect(sut.status).toBe(404);
    await settled();
    expect(messagesOf(ticket.ticketId)).toEqual([]);
  });
});
