import {
  ServiceProcess,
  SmtpReceiver,
  WebhookReceiver,
  eventually,
  isolatedDatabase,
  startGroupAtEnd,
  testBrokers,
  testDatabaseUrl,
  uniqueSuffix,
  userToken,
  webhookSecret,
} from '#testing';
import type { IsolatedDatabase, ReceivedMail } from '#testing';
import { Topics } from '#contracts';
import { DEVELOPMENT } from '#platform';

interface Accepted {
  readonly ticketId: string;
  readonly reference: string;
  readonly status: string;
  readonly messageId?: string;
}

interface HistoryView {
  readonly status: string;
  readonly firstResponseAt: string | null;
  readonly nextResponseDueAt: string | null;
  readonly slaBreached: boolean;
  readonly timeline: readonly { readonly type: string; readonly direction?: string; readonly visibility?: string }[];
}

interface DeskView {
  readonly status: string;
  readonly claimedBy?: string | null;
  readonly conversation: readonly {
    readonly direction: string;
    readonly visibility: string;
    readonly body: string | null;
  }[];
}

/**
 * A whole conversation through the five services as processes, a real SMTP receiver and real
 * webhook receivers: a request by email, its acknowledgement, a follow-up answering that mail, an
 * agent's claim and public reply through desk (mailed, threaded), an internal note (never sent),
 * the requester writing again, the resolution, and a follow-up that reopens the ticket.
 */
describe('a ticket is a conversation (five services, SMTP and webhook receivers)', () => {
  const suffix = uniqueSuffix();
  const requester = `conv-${suffix}@example.org`;
  const secret = webhookSecret();
  const webhooks = new WebhookReceiver({ secret });
  const smtp = new SmtpReceiver();
  let services: ServiceProcess[];
  let intake: ServiceProcess;
  let notification: ServiceProcess;
  let history: ServiceProcess;
  let desk: ServiceProcess;
  let database: IsolatedDatabase;
  let agent: { authorization: string };
  let auditor: { authorization: string };

  beforeAll(async () => {
    await Promise.all([webhooks.start(), smtp.start()]);
    // A database and consumer groups of its own, the groups from the topics' ends: what other
    // suites left (deliveries to their receivers, alerts escalating, agents online) is not this
    // conversation's.
    database = await isolatedDatabase(testDatabaseUrl(), 'conversation_e2e');
    const groups = {
      INTAKE_CONSUMER_GROUP: `support-intake-conversation-${suffix}`,
      ROUTING_CONSUMER_GROUP: `support-routing-conversation-${suffix}`,
      NOTIFICATION_CONSUMER_GROUP: `support-notification-conversation-${suffix}`,
      HISTORY_CONSUMER_GROUP: `support-history-conversation-${suffix}`,
      DESK_CONSUMER_GROUP: `support-desk-conversation-${suffix}`,
    };
    for (const group of Object.values(groups)) await startGroupAtEnd(testBrokers(), group, Object.values(Topics));
    const env = {
      ...groups,
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: database.url,
      SMTP_URL: smtp.url,
      NOTIFY_FROM: 'Support <support@example.com>',
      NOTIFY_WEBHOOK_SECRET: secret,
      NOTIFY_POLL_INTERVAL_MS: '50',
      NOTIFY_RECIPIENTS: JSON.stringify({
        requester: { channel: 'email' },
        psm: { default: { channel: 'webhook', url: webhooks.url('/psm') } },
        support: { channel: 'webhook', url: webhooks.url('/support') },
        'phone-desk': { channel: 'webhook', url: webhooks.url('/phone-desk') },
        'on-call': { channel: 'webhook', url: webhooks.url('/on-call') },
      }),
    };
    intake = new ServiceProcess('intake', env);
    notification = new ServiceProcess('notification', env);
    history = new ServiceProcess('history', env);
    desk = new ServiceProcess('desk', env);
    services = [intake, new ServiceProcess('routing', env), notification, history, desk];
    await Promise.all(services.map((service) => service.start()));
    agent = { authorization: `Bearer ${await userToken({ sub: `agent-${suffix}`, roles: ['agent'] })}` };
    auditor = { authorization: `Bearer ${await userToken({ sub: 'auditor-e2e', roles: ['auditor:global'] })}` };
  }, 120_000);

  afterAll(async () => {
    await Promise.all((services ?? []).map((service) => service.stop()));
    await Promise.all([webhooks.stop(), smtp.stop()]);
    await database?.drop();
  });

  async function emailRequest(body: Record<string, unknown>): Promise<Accepted> {
    const response = await fetch(`${intake.url}/v1/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEVELOPMENT.upstreamApiKey },
      body: JSON.stringify({ channel: 'email', locale: 'en', ...body }),
    });
    expect(response.status).toBe(202);
    return (await response.json()) as Accepted;
  }

  async function deskAction(ticketId: string, action: string, body?: unknown): Promise<Response> {
    return fetch(`${desk.url}/v1/desk/tickets/${ticketId}/${action}`, {
      method: 'POST',
      headers: { ...agent, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  }

  async function inHistory(ticketId: string, check: (view: HistoryView) => void): Promise<HistoryView> {
    return eventually(
      async () => {
        const response = await fetch(`${history.url}/v1/tickets/${ticketId}`, { headers: auditor });
        expect(response.status).toBe(200);
        const view = (await response.json()) as HistoryView;
        check(view);
        return view;
      },
      { timeoutMs: 20_000 },
    );
  }

  async function inDesk(ticketId: string, check: (view: DeskView) => void): Promise<DeskView> {
    return eventually(
      async () => {
        const response = await fetch(`${desk.url}/v1/desk/tickets/${ticketId}`, { headers: agent });
        expect(response.status).toBe(200);
        const view = (await response.json()) as DeskView;
        check(view);
        return view;
      },
      { timeoutMs: 20_000 },
    );
  }

  const mailsTo = (address: string): ReceivedMail[] =>
    smtp.messages.filter((mail) => mail.envelopeTo.includes(address));

  it('carries a request, its follow-ups and the team’s replies to the end, and reopens it', async () => {
    // 1. The request by email, acknowledged by mail.
    const ticket = await emailRequest({
      subject: `Export fails ${suffix}`,
      message: 'The register export stops at 80 %.',
      requester: { email: requester, name: 'Conv Requester' },
    });
    expect(ticket.status).toBe('received');
    const acknowledgement = await eventually(
      () => {
        const [mail] = mailsTo(requester);
        expect(mail?.subject).toContain(`[${ticket.reference}]`);
        return mail!;
      },
      { timeoutMs: 20_000 },
    );
    const acknowledgementId = acknowledgement.headers['message-id'];
    expect(acknowledgementId).toMatch(/^<.+@.+>$/);

    // 2. The requester answers that mail: the reference in its subject makes it a follow-up.
    const answer = await emailRequest({
      subject: `Re: ${acknowledgement.subject}`,
      message: 'It happens with every register.',
      requester: { email: requester.toUpperCase() },
    });
    expect(answer).toMatchObject({ ticketId: ticket.ticketId, reference: ticket.reference, status: 'follow-up' });
    expect(answer.messageId).toMatch(/^[0-9a-f-]{36}$/);
    await inDesk(ticket.ticketId, (view) =>
      expect(view.conversation.map((message) => message.body)).toContain('It happens with every register.'),
    );

    // 3. An agent claims it and answers in public: the answer is mailed, threaded to the acknowledgement.
    expect((await deskAction(ticket.ticketId, 'claim')).status).toBe(200);
    const reply = await deskAction(ticket.ticketId, 'reply', {
      text: `Fixed in the next release ${suffix}`,
      visibility: 'public',
    });
    expect(reply.status).toBe(200);
    const replyMail = await eventually(
      () => {
        const mail = mailsTo(requester).find((candidate) =>
          candidate.text.includes(`Fixed in the next release ${suffix}`),
        );
        expect(mail).toBeDefined();
        return mail!;
      },
      { timeoutMs: 20_000 },
    );
    expect(replyMail.subject).toContain(`[${ticket.reference}]`);
    expect(replyMail.headers['in-reply-to']).toBe(acknowledgementId);
    expect(replyMail.headers['references']).toContain(acknowledgementId!);
    expect(replyMail.headers['message-id']).not.toBe(acknowledgementId);
    const replied = await inHistory(ticket.ticketId, (view) => expect(view.status).toBe('pending'));
    expect(replied.firstResponseAt).not.toBeNull();

    // 4. An internal note stays inside.
    expect(
      (await deskAction(ticket.ticketId, 'reply', { text: `Internal only ${suffix}`, visibility: 'internal' })).status,
    ).toBe(200);
    await inDesk(ticket.ticketId, (view) =>
      expect(view.conversation).toContainEqual(
        expect.objectContaining({ visibility: 'internal', body: `Internal only ${suffix}` }),
      ),
    );

    // 5. The requester writes again: open, with a next response due.
    const again = await emailRequest({
      ticketReference: ticket.reference,
      message: 'Thanks, when is the next release?',
      requester: { email: requester },
    });
    expect(again.status).toBe('follow-up');
    const open = await inHistory(ticket.ticketId, (view) => expect(view.status).toBe('open'));
    expect(Date.parse(open.nextResponseDueAt ?? '')).toBeGreaterThan(Date.now());
    await inDesk(ticket.ticketId, (view) => expect(view.status).toBe('open'));

    // 6. Resolved, then a follow-up inside the reopening window reopens it.
    expect((await deskAction(ticket.ticketId, 'resolve')).status).toBe(200);
    await inHistory(ticket.ticketId, (view) => expect(view.status).toBe('resolved'));
    const late = await emailRequest({
      subject: `Re: ${replyMail.subject}`,
      message: 'It fails again.',
      requester: { email: requester },
    });
    expect(late).toMatchObject({ ticketId: ticket.ticketId, status: 'follow-up' });
    const reopened = await inHistory(ticket.ticketId, (view) => expect(view.status).toBe('open'));
    expect(reopened.timeline.filter((entry) => entry.direction === 'inbound')).toHaveLength(3);
    expect(reopened.timeline.filter((entry) => entry.visibility === 'internal')).toHaveLength(1);
    await inDesk(ticket.ticketId, (view) => expect(view.status).toBe('open'));

    // Nothing internal ever left: no mail and no webhook carries the note.
    expect(smtp.messages.some((mail) => mail.raw.includes(`Internal only ${suffix}`))).toBe(false);
    expect(webhooks.received.some((webhook) => webhook.body.includes(`Internal only ${suffix}`))).toBe(false);
  }, 120_000);
});
