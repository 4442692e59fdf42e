import { randomUUID } from 'node:crypto';
import { Topics, deterministicUuid } from '#contracts';
import type { NotificationPayload, TicketRoutedPayload, TicketSubmittedPayload } from '#contracts';
import {
  KafkaTestClient,
  SmtpReceiver,
  WebhookReceiver,
  eventually,
  isolatedDatabase,
  routedTicket,
  setGroupOffsets,
  submittedTicket,
  tailTopics,
  testBrokers,
  testDatabaseUrl,
  topicEndOffsets,
  webhookSecret,
} from '#testing';
import type { IsolatedDatabase, PartitionOffsets, TopicTail, WebhookResponse } from '#testing';
import { DeliveryRepository } from '../src/delivery/delivery.repository.js';
import { ContactRepository } from '../src/recipients/contact.repository.js';
import { NotificationApp } from './notification-app.js';

const GROUP = 'support-notification-it-delivery';
const TARGET_CONCURRENCY = 2;

/** The shared test broker may be busy with other runs: deliveries get more time than eventually's default. */
const soon = <T>(assertion: () => Promise<T> | T): Promise<T> => eventually(assertion, { timeoutMs: 30_000 });

describe('Notification delivery (real Kafka, PostgreSQL, webhook and SMTP receivers)', () => {
  const secret = webhookSecret();
  /** Per-ticket answers of the webhook receiver; any other ticket gets 204. */
  const answers = new Map<string, (attempt: number) => WebhookResponse>();
  const webhooks = new WebhookReceiver({
    secret,
    respond: (webhook, attempt) => {
      if (webhook.path === '/slow') return { status: 204, delayMs: 20_000 };
      return answers.get(String(webhook.json.data.ticketId))?.(attempt) ?? { status: 204 };
    },
  });
  const smtp = new SmtpReceiver({ refuseRecipient: (address) => (address.startsWith('gone') ? 550 : undefined) });
  let database: IsolatedDatabase;
  let kafka: KafkaTestClient;
  let outcomes: TopicTail;
  let sut: NotificationApp;

  const env = (): Record<string, string> => ({
    DATABASE_URL: database.url,
    NOTIFY_WEBHOOK_SECRET: secret,
    SMTP_URL: smtp.url,
    NOTIFY_FROM: 'Support <support@example.com>',
    NOTIFY_RECIPIENTS: JSON.stringify({
      requester: { channel: 'email' },
      psm: {
        default: { channel: 'webhook', url: webhooks.url('/psm') },
        byId: {
          'psm-anna': { channel: 'email', to: 'anna.psm@example.com' },
          'psm-slow': { channel: 'webhook', url: webhooks.url('/slow') },
        },
      },
      support: { channel: 'webhook', url: webhooks.url('/support') },
      'phone-desk': { channel: 'webhook', url: webhooks.url('/desk') },
      'on-call': { channel: 'webhook', url: webhooks.url('/on-call') },
    }),
    NOTIFY_MAX_ATTEMPTS: '5',
    NOTIFY_RETRY_BASE_MS: '200',
    NOTIFY_RETRY_MAX_MS: '800',
    NOTIFY_ATTEMPT_TIMEOUT_MS: '5000',
    NOTIFY_CONCURRENCY: '8',
    NOTIFY_TARGET_CONCURRENCY: String(TARGET_CONCURRENCY),
    NOTIFY_POLL_INTERVAL_MS: '50',
  });

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'notification_it_delivery');
    await Promise.all([webhooks.start(), smtp.start()]);
    kafka = new KafkaTestClient(testBrokers());
    outcomes = await tailTopics(kafka, [Topics.notifications]);
    await NotificationApp.skipHistory(GROUP);
    sut = await NotificationApp.start({ env: env(), groupId: GROUP });
  });

  afterAll(async () => {
    await sut?.stop();
    await outcomes?.stop();
    await kafka?.close();
    await Promise.all([webhooks.stop(), smtp.stop()]);
    await database?.drop();
  });

  async function submit(ticket: TicketSubmittedPayload, partition?: number): Promise<void> {
    await kafka.produce(Topics.ticketsSubmitted, [
      { key: ticket.ticketId, value: JSON.stringify(ticket), ...(partition === undefined ? {} : { partition }) },
    ]);
  }

  async function route(routed: TicketRoutedPayload, partition?: number): Promise<void> {
    await kafka.produce(Topics.ticketsRouted, [
      { key: routed.ticketId, value: JSON.stringify(routed), ...(partition === undefined ? {} : { partition }) },
    ]);
  }

  function outcomesOf(ticketId: string): NotificationPayload[] {
    return outcomes.records
      .filter((record) => record.key === ticketId)
      .map((record) => JSON.parse(record.value ?? '{}') as NotificationPayload);
  }

  /** A ticket the requester submitted by email, and its routing decision. */
  function emailedTicket(
    email: string,
    overrides: Partial<TicketRoutedPayload> = {},
  ): { ticket: TicketSubmittedPayload; routed: TicketRoutedPayload } {
    const ticket = submittedTicket({
      channel: 'email',
      requestType: null,
      locale: overrides.locale ?? 'en',
      requester: { userId: null, orgId: 'org-1', email, name: 'Requester Name' },
    });
    return { ticket, routed: routedTicket({ ticketId: ticket.ticketId, reference: ticket.reference, ...overrides }) };
  }

  const requesterNotificationId = (ticketId: string): string =>
    deterministicUuid('notification', ticketId, 'routed', 'requester');
  const supportNotificationId = (ticketId: string): string =>
    deterministicUuid('notification', ticketId, 'routed', 'support');

  it('emails the requester in French and tells support by a signed webhook, and reports each outcome', async () => {
    const email = `dpo-${randomUUID()}@example.org`;
    const { ticket, routed } = emailedTicket(email, {
      locale: 'fr',
      priority: 'P1',
      ruleId: 'urgent-access',
      reason: 'urgent access problem by phone',
    });

    await submit(ticket);
    await route(routed);

    const [mail] = await soon(() => {
      const mails = smtp.to(email);
      expect(mails).toHaveLength(1);
      return mails;
    });
    // The reference in brackets: a reply to this mail is a follow-up of the ticket.
    expect(mail?.subject).toBe(`[${ticket.reference}] Votre demande a bien été envoyée`);
    expect(mail?.text).toContain(`Référence : ${ticket.reference}`);
    expect(mail?.text).not.toContain('Requester Name');
    expect(mail?.headers['message-id']).toBe(`<${requesterNotificationId(ticket.ticketId)}@example.com>`);
    expect(mail?.headers['auto-submitted']).toBe('auto-generated');
    const [hook] = await soon(() => {
      const received = webhooks.forTicket(ticket.ticketId);
      expect(received).toHaveLength(1);
      return received;
    });
    expect(hook?.path).toBe('/support');
    expect(hook?.id).toBe(supportNotificationId(ticket.ticketId));
    expect(hook?.json).toMatchObject({
      type: 'ticket.routed',
      data: { audience: 'support', reference: ticket.reference, locale: 'en' },
    });
    expect(hook?.body).not.toContain(email);
    const reported = await soon(() => {
      const found = outcomesOf(ticket.ticketId);
      expect(found).toHaveLength(2);
      return found;
    });
    expect(reported).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          notificationId: requesterNotificationId(ticket.ticketId),
          audience: 'requester',
          channel: 'email',
          outcome: 'sent',
          attempt: 1,
        }),
        expect.objectContaining({
          notificationId: supportNotificationId(ticket.ticketId),
          audience: 'support',
          channel: 'webhook',
          outcome: 'sent',
          attempt: 1,
        }),
      ]),
    );
    // The address is kept while the ticket is unresolved: replies to come need it.
    expect(await sut.get(ContactRepository).find(ticket.ticketId)).toEqual({ kind: 'known', email });
  });

  it("sends the PSM notice to the dedicated PSM's own address, and to the pool's webhook without one", async () => {
    const dedicated = routedTicket({ queue: 'psm', channel: 'chat', assignee: 'psm-anna', ruleId: 'chat-to-psm' });
    const pooled = routedTicket({ queue: 'psm', channel: 'chat', assignee: null, ruleId: 'chat-to-psm' });

    await route(dedicated);
    await route(pooled);

    const mail = await soon(() => {
      const found = smtp.to('anna.psm@example.com').find((message) => message.subject.includes(dedicated.reference));
      if (!found) throw new Error('no PSM mail yet');
      return found;
    });
    expect(mail.text).toContain('PSM queue');
    const hook = await soon(() => {
      const [found] = webhooks.forTicket(pooled.ticketId);
      if (!found) throw new Error('no pool webhook yet');
      return found;
    });
    expect(hook.path).toBe('/psm');
    expect(hook.json.data.recipient).toBe('psm-pool');
  });

  it('skips a requester without an email address, and says so', async () => {
    const ticket = submittedTicket({
      channel: 'chat',
      requestType: null,
      workspaceTesting: null,
      requester: { userId: 'user-9', orgId: 'org-1', email: null, name: null },
    });

    await submit(ticket);
    await route(
      routedTicket({ ticketId: ticket.ticketId, reference: ticket.reference, queue: 'support', priority: 'P3' }),
    );

    const [outcome] = await soon(() => {
      const found = outcomesOf(ticket.ticketId);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(outcome).toMatchObject({
      audience: 'requester',
      outcome: 'skipped',
      attempt: 1,
      error: 'the requester has no email address',
    });
  });

  it("waits for the requester's address when the routing decision overtakes the ticket", async () => {
    const email = `late-${randomUUID()}@example.org`;
    const { ticket, routed } = emailedTicket(email);

    await route(routed);
    await soon(async () => {
      const status = await sut.get(DeliveryRepository).findStatus(requesterNotificationId(ticket.ticketId));
      expect(status?.state).toBe('pending');
      expect(status?.lastError).toContain('CONTACT_UNKNOWN');
    });
    await submit(ticket);

    await soon(() => expect(smtp.to(email)).toHaveLength(1));
    const reported = await soon(() => {
      const found = outcomesOf(ticket.ticketId);
      expect(found.at(-1)?.outcome).toBe('sent');
      return found;
    });
    expect(reported[0]).toMatchObject({
      outcome: 'retrying',
      attempt: 1,
      error: "CONTACT_UNKNOWN: the requester's address is not known yet",
    });
    expect(reported.at(-1)?.attempt).toBeGreaterThan(1);
  });

  it('retries a failing receiver with growing, jittered delays, then delivers', async () => {
    const routed = routedTicket({ priority: 'P2', channel: 'form' });
    answers.set(routed.ticketId, (attempt) => (attempt < 3 ? { status: 503 } : { status: 204 }));

    await route(routed);

    await soon(() =>
      expect(outcomesOf(routed.ticketId).filter((outcome) => outcome.audience === 'support')).toHaveLength(3),
    );
    const support = outcomesOf(routed.ticketId).filter((outcome) => outcome.audience === 'support');
    expect(support.map((outcome) => [outcome.outcome, outcome.attempt])).toEqual([
      ['retrying', 1],
      ['retrying', 2],
      ['sent', 3],
    ]);
    expect(support[0]?.error).toBe('HTTP_STATUS: receiver answered 503');
    const attempts = webhooks.attempts
      .filter((attempt) => attempt.id === supportNotificationId(routed.ticketId))
      .map((attempt) => attempt.at);
    expect(attempts).toHaveLength(3);
    // Delays: 100-200 ms, then 200-400 ms (equal jitter over 200 * 2^(n-1)).
    expect((attempts[1] ?? 0) - (attempts[0] ?? 0)).toBeGreaterThanOrEqual(90);
    expect((attempts[2] ?? 0) - (attempts[1] ?? 0)).toBeGreaterThanOrEqual(190);
  });

  it('gives up after the bounded number of attempts and records the failure', async () => {
    const routed = routedTicket({ priority: 'P1', channel: 'form' });
    answers.set(routed.ticketId, () => ({ status: 500 }));

    await route(routed);

    await soon(() =>
      expect(
        outcomesOf(routed.ticketId)
          .filter((outcome) => outcome.audience === 'support')
          .at(-1)?.outcome,
      ).toBe('failed'),
    );
    const support = outcomesOf(routed.ticketId).filter((outcome) => outcome.audience === 'support');
    expect(support.map((outcome) => outcome.outcome)).toEqual([
      'retrying',
      'retrying',
      'retrying',
      'retrying',
      'failed',
    ]);
    const status = await sut.get(DeliveryRepository).findStatus(supportNotificationId(routed.ticketId));
    expect(status).toMatchObject({
      state: 'failed',
      attempts: 5,
      channel: 'webhook',
      lastError: 'HTTP_STATUS: receiver answered 500',
    });
  });

  it('does not retry a permanent refusal, by the webhook receiver or the mail server', async () => {
    const { ticket, routed } = emailedTicket(`gone-${randomUUID()}@example.org`, { priority: 'P2' });
    answers.set(ticket.ticketId, () => ({ status: 410 }));

    await submit(ticket);
    await route(routed);

    await soon(() => expect(outcomesOf(ticket.ticketId)).toHaveLength(2));
    const byAudience = new Map(outcomesOf(ticket.ticketId).map((outcome) => [outcome.audience, outcome]));
    expect(byAudience.get('support')).toMatchObject({
      outcome: 'failed',
      attempt: 1,
      error: 'HTTP_STATUS: receiver answered 410',
    });
    expect(byAudience.get('requester')).toMatchObject({ outcome: 'failed', attempt: 1 });
    expect(byAudience.get('requester')?.error).toMatch(/^SMTP_REJECTED: SMTP 550/);
  });

  it('keeps delivering to other receivers while one receiver hangs', async () => {
    const slow = Array.from({ length: 10 }, () =>
      routedTicket({ queue: 'psm', channel: 'chat', assignee: 'psm-slow', ruleId: 'chat-to-psm' }),
    );
    const slowIds = new Set(slow.map((routed) => deterministicUuid('notification', routed.ticketId, 'routed', 'psm')));
    const others = Array.from({ length: 20 }, () => routedTicket({ priority: 'P2', channel: 'form' }));

    await Promise.all(slow.map((routed) => route(routed)));
    await soon(() =>
      expect(webhooks.attempts.filter((attempt) => slowIds.has(attempt.id))).toHaveLength(TARGET_CONCURRENCY),
    );
    await Promise.all(others.map((routed) => route(routed)));

    await soon(() =>
      expect(others.filter((routed) => webhooks.forTicket(routed.ticketId).length === 1)).toHaveLength(others.length),
    );
    // Everything else went through while the hanging receiver still held its first requests (none timed out yet)...
    const slowStatuses = await Promise.all([...slowIds].map((id) => sut.get(DeliveryRepository).findStatus(id)));
    expect(slowStatuses.filter((status) => status?.lastError)).toEqual([]);
    // ...and it never had more than its share of the slots.
    expect(webhooks.attempts.filter((attempt) => slowIds.has(attempt.id))).toHaveLength(TARGET_CONCURRENCY);
  });

  it('sends nothing twice when the same routed event arrives twice', async () => {
    const email = `twice-${randomUUID()}@example.org`;
    const { ticket, routed } = emailedTicket(email, { priority: 'P2' });
    const marker = routedTicket({ priority: 'P1' });

    await submit(ticket, 0);
    await route(routed, 0);
    await soon(() => expect(webhooks.forTicket(ticket.ticketId)).toHaveLength(1));
    await route(routed, 0);
    await route(marker, 0);

    // The marker follows the duplicate on the same partition: once it is delivered, the duplicate was consumed.
    await soon(() => expect(webhooks.forTicket(marker.ticketId)).toHaveLength(1));
    await soon(() => expect(smtp.to(email)).toHaveLength(1));
    expect(webhooks.forTicket(ticket.ticketId)).toHaveLength(1);
    // Outcomes leave through the outbox after the sends settle: one per delivery, none for the duplicate.
    await soon(() =>
      expect(outcomesOf(ticket.ticketId).filter((outcome) => outcome.outcome === 'sent')).toHaveLength(2),
    );
    expect(outcomesOf(ticket.ticketId)).toHaveLength(2);
  });

  it('sends nothing twice when the topic is read again after an offset reset', async () => {
    const before: PartitionOffsets = await topicEndOffsets(testBrokers(), Topics.ticketsRouted);
    const tickets = Array.from({ length: 5 }, () => routedTicket({ priority: 'P1', channel: 'form' }));
    await Promise.all(tickets.map((routed) => route(routed)));
    await soon(() =>
      expect(tickets.filter((routed) => webhooks.forTicket(routed.ticketId).length > 0)).toHaveLength(tickets.length),
    );

    await sut.stop();
    await setGroupOffsets(testBrokers(), GROUP, Topics.ticketsRouted, before);
    sut = await NotificationApp.start({ env: env(), groupId: GROUP });
    const markers = before.map(() => routedTicket({ priority: 'P1' }));
    await Promise.all(before.map(({ partition }, index) => route(markers[index] ?? routedTicket(), partition)));

    // A marker behind the replayed records of every partition: once all are delivered, the replay is done.
    await eventually(
      () =>
        expect(markers.filter((marker) => webhooks.forTicket(marker.ticketId).length === 1)).toHaveLength(
          markers.length,
        ),
      {
        timeoutMs: 60_000,
      },
    );
    for (const routed of tickets) expect(webhooks.forTicket(routed.ticketId)).toHaveLength(1);
  });

  it('is ready only with Kafka and PostgreSQL up', async () => {
    const response = await fetch(`${sut.url}/health/ready`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      checks: { kafka: { status: 'up' }, postgres: { status: 'up' } },
    });
  });
});
