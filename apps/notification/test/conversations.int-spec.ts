import { randomUUID } from 'node:crypto';
import { Topics, deterministicUuid } from '#contracts';
import type {
  NotificationPayload,
  TicketLifecyclePayload,
  TicketMessagePayload,
  TicketRoutedPayload,
  TicketSubmittedPayload,
} from '#contracts';
import {
  KafkaTestClient,
  SmtpReceiver,
  WebhookReceiver,
  eventually,
  isolatedDatabase,
  lifecycleEvent,
  routedTicket,
  subjectErased,
  submittedTicket,
  tailTopics,
  testBrokers,
  testDatabaseUrl,
  ticketMessage,
  webhookSecret,
} from '#testing';
import type { IsolatedDatabase, ReceivedMail, TopicTail } from '#testing';
import { TicketRepository } from '../src/conversations/ticket.repository.js';
import { DeliveryRepository } from '../src/delivery/delivery.repository.js';
import { ContactRepository } from '../src/recipients/contact.repository.js';
import { NotificationApp } from './notification-app.js';

const GROUP = 'support-notification-it-conversations';

const soon = <T>(assertion: () => Promise<T> | T): Promise<T> => eventually(assertion, { timeoutMs: 30_000 });

const messageIdOf = (notificationId: string): string => `<${notificationId}@example.com>`;

describe('Conversations: replies, notes and follow-ups (real Kafka, PostgreSQL, SMTP and webhook receivers)', () => {
  const secret = webhookSecret();
  const webhooks = new WebhookReceiver({ secret });
  const smtp = new SmtpReceiver();
  let database: IsolatedDatabase;
  let kafka: KafkaTestClient;
  let outcomes: TopicTail;
  let sut: NotificationApp;

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'notification_it_conversations');
    await Promise.all([webhooks.start(), smtp.start()]);
    kafka = new KafkaTestClient(testBrokers());
    outcomes = await tailTopics(kafka, [Topics.notifications]);
    await NotificationApp.skipHistory(GROUP);
    sut = await NotificationApp.start({
      groupId: GROUP,
      env: {
        DATABASE_URL: database.url,
        NOTIFY_WEBHOOK_SECRET: secret,
        SMTP_URL: smtp.url,
        NOTIFY_FROM: 'Support <support@example.com>',
        NOTIFY_RECIPIENTS: JSON.stringify({
          requester: { channel: 'email', chat: { channel: 'webhook', url: webhooks.url('/chat') } },
          psm: { channel: 'webhook', url: webhooks.url('/psm') },
          support: { channel: 'webhook', url: webhooks.url('/support') },
          'phone-desk': { channel: 'webhook', url: webhooks.url('/desk') },
          'on-call': { channel: 'webhook', url: webhooks.url('/on-call') },
        }),
        NOTIFY_RETRY_BASE_MS: '200',
        NOTIFY_RETRY_MAX_MS: '800',
        NOTIFY_POLL_INTERVAL_MS: '50',
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
    await outcomes?.stop();
    await kafka?.close();
    await Promise.all([webhooks.stop(), smtp.stop()]);
    await database?.drop();
  });

  async function produce(topic: string, key: string, value: object): Promise<void> {
    await kafka.produce(topic, [{ key, value: JSON.stringify(value) }]);
  }

  function outcomesOf(ticketId: string): NotificationPayload[] {
    return outcomes.records
      .filter((record) => record.key === ticketId)
      .map((record) => JSON.parse(record.value ?? '{}') as NotificationPayload);
  }

  async function mails(address: string, count: number): Promise<ReceivedMail[]> {
    return soon(() => {
      const received = smtp.to(address);
      expect(received).toHaveLength(count);
      return received;
    });
  }

  /** Waits for a notification's outcome: a mail joins its ticket's thread once its sending is settled. */
  async function settled(ticketId: string, notificationId: string): Promise<void> {
    await soon(() =>
      expect(outcomesOf(ticketId)).toEqual(
        expect.arrayContaining([expect.objectContaining({ notificationId, outcome: 'sent' })]),
      ),
    );
  }

  /** A ticket submitted and routed, its acknowledgement mailed (the first mail of its thread). */
  async function openedTicket(
    ticket: Partial<TicketSubmittedPayload>,
    routing: Partial<TicketRoutedPayload> = {},
  ): Promise<{ ticket: TicketSubmittedPayload; routed: TicketRoutedPayload }> {
    const submitted = submittedTicket({ channel: 'email', requestType: null, ...ticket });
    const routed = routedTicket({
      ticketId: submitted.ticketId,
      reference: submitted.reference,
      channel: submitted.channel,
      locale: submitted.locale,
      priority: 'P3',
      ...routing,
    });
    await produce(Topics.ticketsSubmitted, submitted.ticketId, submitted);
    await produce(Topics.ticketsRouted, routed.ticketId, routed);
    await soon(async () => {
      const known = await sut.get(TicketRepository).find([submitted.ticketId]);
      expect(known.get(submitted.ticketId)?.queue).toBe(routed.queue);
    });
    return { ticket: submitted, routed };
  }

  const acknowledgementId = (ticketId: string): string =>
    deterministicUuid('notification', ticketId, 'routed', 'requester');
  const notificationIdOf = (message: TicketMessagePayload, audience: string): string =>
    deterministicUuid('notification', message.ticketId, 'message', message.messageId, audience);

  const agentReply = (ticketId: string, body: string, overrides: Partial<TicketMessagePayload> = {}) =>
    ticketMessage({
      ticketId,
      direction: 'outbound',
      visibility: 'public',
      author: { kind: 'agent', id: 'agent-7' },
      body,
      ...overrides,
    });

  it('mails a public reply under the reference, threaded to the acknowledgement, then the next one to both', async () => {
    const email = `reply-${randomUUID()}@example.org`;
    const { ticket } = await openedTicket({
      locale: 'fr',
      requester: { userId: null, orgId: 'org-1', email, name: 'Camille Martin' },
    });
    const [acknowledgement] = await mails(email, 1);
    const ackId = messageIdOf(acknowledgementId(ticket.ticketId));
    expect(acknowledgement?.headers['message-id']).toBe(ackId);
    await settled(ticket.ticketId, acknowledgementId(ticket.ticketId));

    const first = agentReply(ticket.ticketId, "Bonjour, l'export est corrigé.", { channel: 'email' });
    await produce(Topics.ticketsMessages, ticket.ticketId, first);

    const [, firstMail] = await mails(email, 2);
    const firstId = messageIdOf(notificationIdOf(first, 'requester'));
    expect(firstMail?.subject).toBe(`[${ticket.reference}] Réponse à votre demande`);
    expect(firstMail?.text).toContain("Bonjour, l'export est corrigé.");
    expect(firstMail?.text).toContain(`Référence : ${ticket.reference}`);
    expect(firstMail?.headers['message-id']).toBe(firstId);
    expect(firstMail?.headers['in-reply-to']).toBe(ackId);
    expect(firstMail?.headers.references).toBe(ackId);
    await settled(ticket.ticketId, notificationIdOf(first, 'requester'));

    const second = agentReply(ticket.ticketId, 'Avez-vous pu réessayer ?', { channel: 'email' });
    await produce(Topics.ticketsMessages, ticket.ticketId, second);

    const [, , secondMail] = await mails(email, 3);
    expect(secondMail?.subject).toContain(`[${ticket.reference}]`);
    expect(secondMail?.headers['message-id']).toBe(messageIdOf(notificationIdOf(second, 'requester')));
    expect(secondMail?.headers['in-reply-to']).toBe(firstId);
    expect(secondMail?.headers.references?.split(/\s+/)).toEqual([ackId, firstId]);
    const reported = await soon(() => {
      const found = outcomesOf(ticket.ticketId).filter((outcome) => outcome.outcome === 'sent');
      expect(found).toHaveLength(3);
      return found;
    });
    expect(reported.map((outcome) => [outcome.audience, outcome.channel])).toEqual([
      ['requester', 'email'],
      ['requester', 'email'],
      ['requester', 'email'],
    ]);
    for (const record of outcomes.records.filter((found) => found.key === ticket.ticketId))
      expect(record.value).not.toContain(email);
    // The contact stays while the ticket is unresolved: the requester may be answered again.
    expect(await sut.get(ContactRepository).find(ticket.ticketId)).toEqual({ kind: 'known', email });
    // A sent reply keeps no text.
    const firstStatus = await sut.get(DeliveryRepository).findStatus(notificationIdOf(first, 'requester'));
    expect(firstStatus).toMatchObject({ state: 'sent', kind: 'ticket.reply', channel: 'email' });
  });

  it('never sends an internal note: the public reply after it is the only mail', async () => {
    const email = `note-${randomUUID()}@example.org`;
    const { ticket } = await openedTicket({ requester: { userId: null, orgId: 'org-1', email, name: null } });
    await mails(email, 1);

    const note = agentReply(ticket.ticketId, 'Internal: the customer is on the legacy plan.', {
      visibility: 'internal',
    });
    const reply = agentReply(ticket.ticketId, 'We are looking into it.');
    await produce(Topics.ticketsMessages, ticket.ticketId, note);
    await produce(Topics.ticketsMessages, ticket.ticketId, reply);

    // Same key, same partition: once the reply is mailed, the note before it was consumed.
    const [, replyMail] = await mails(email, 2);
    expect(replyMail?.text).toContain('We are looking into it.');
    await soon(() => expect(outcomesOf(ticket.ticketId).filter((o) => o.outcome === 'sent')).toHaveLength(2));
    expect(smtp.messages.filter((mail) => mail.text.includes('legacy plan'))).toEqual([]);
    expect(webhooks.forTicket(ticket.ticketId)).toEqual([]);
    expect(await sut.get(DeliveryRepository).findStatus(notificationIdOf(note, 'requester'))).toBeUndefined();
    expect(outcomesOf(ticket.ticketId).map((outcome) => outcome.notificationId)).not.toContain(
      notificationIdOf(note, 'requester'),
    );
  });

  it("sends a chat requester's reply to the chat backend by a signed webhook", async () => {
    const { ticket } = await openedTicket(
      {
        channel: 'chat',
        requester: { userId: `user-${randomUUID()}`, orgId: 'org-1', email: null, name: 'Chat User' },
      },
      { queue: 'psm', assignee: 'psm-anna', ruleId: 'chat-to-psm' },
    );
    const reply = agentReply(ticket.ticketId, 'You can export from the Registers page.', { channel: 'chat' });

    await produce(Topics.ticketsMessages, ticket.ticketId, reply);

    const hook = await soon(() => {
      const found = webhooks.forTicket(ticket.ticketId).find((webhook) => webhook.json.type === 'ticket.reply');
      if (!found) throw new Error('no reply webhook yet');
      return found;
    });
    // The receiver keeps only requests whose Standard Webhooks signature it verified.
    expect(hook.path).toBe('/chat');
    expect(hook.id).toBe(notificationIdOf(reply, 'requester'));
    expect(hook.json.data).toMatchObject({
      audience: 'requester',
      reference: ticket.reference,
      text: 'You can export from the Registers page.',
    });
    expect(webhooks.rejected).toBe(0);
    await soon(() =>
      expect(outcomesOf(ticket.ticketId)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            notificationId: notificationIdOf(reply, 'requester'),
            audience: 'requester',
            channel: 'webhook',
            outcome: 'sent',
          }),
        ]),
      ),
    );
  });

  it("tells the queue's team of a follow-up on an unassigned ticket, and the assignee once there is one", async () => {
    const { ticket } = await openedTicket({ requester: { userId: null, orgId: 'org-1', email: null, name: null } });
    const requesterFollowUp = (): TicketMessagePayload =>
      ticketMessage({ ticketId: ticket.ticketId, direction: 'inbound', visibility: 'public', channel: 'email' });

    const unassigned = requesterFollowUp();
    await produce(Topics.ticketsMessages, ticket.ticketId, unassigned);

    const teamHook = await soon(() => {
      const found = webhooks.forTicket(ticket.ticketId).find((webhook) => webhook.json.type === 'ticket.follow-up');
      if (!found) throw new Error('no follow-up webhook yet');
      return found;
    });
    expect(teamHook.path).toBe('/support');
    expect(teamHook.id).toBe(notificationIdOf(unassigned, 'support'));
    expect(teamHook.json.data).toMatchObject({ audience: 'support', recipient: 'support-team' });
    expect(String(teamHook.json.data.subject)).toBe(`Follow-up on ticket ${ticket.reference}`);
    expect(String(teamHook.json.data.text)).toContain('follow-up');
    expect(teamHook.body).not.toContain(unassigned.body);

    const assigned: TicketLifecyclePayload = lifecycleEvent({
      ticketId: ticket.ticketId,
      event: 'assigned',
      agentId: 'agent-7',
      by: 'policy',
      actor: null,
    });
    await produce(Topics.ticketsLifecycle, ticket.ticketId, assigned);
    await soon(async () =>
      expect((await sut.get(TicketRepository).find([ticket.ticketId])).get(ticket.ticketId)?.assignee).toBe('agent-7'),
    );
    const second = requesterFollowUp();
    await produce(Topics.ticketsMessages, ticket.ticketId, second);

    const assigneeHook = await soon(() => {
      const found = webhooks
        .forTicket(ticket.ticketId)
        .find((webhook) => webhook.id === notificationIdOf(second, 'support'));
      if (!found) throw new Error('no second follow-up webhook yet');
      return found;
    });
    expect(assigneeHook.json.data).toMatchObject({ audience: 'support', recipient: 'agent-7' });

    // The agent went offline: an assignment without an agent gives the ticket back to the queue.
    await produce(
      Topics.ticketsLifecycle,
      ticket.ticketId,
      lifecycleEvent({ ticketId: ticket.ticketId, event: 'assigned', agentId: null, by: 'policy', actor: null }),
    );
    await soon(async () =>
      expect((await sut.get(TicketRepository).find([ticket.ticketId])).get(ticket.ticketId)?.assignee).toBeNull(),
    );
    const third = requesterFollowUp();
    await produce(Topics.ticketsMessages, ticket.ticketId, third);

    const backToTeam = await soon(() => {
      const found = webhooks
        .forTicket(ticket.ticketId)
        .find((webhook) => webhook.id === notificationIdOf(third, 'support'));
      if (!found) throw new Error('no third follow-up webhook yet');
      return found;
    });
    expect(backToTeam.json.data).toMatchObject({ audience: 'support', recipient: 'support-team' });
  });

  it('tells the dedicated PSM of a follow-up on their chat ticket', async () => {
    const { ticket } = await openedTicket(
      { channel: 'chat', requester: { userId: `user-${randomUUID()}`, orgId: 'org-1', email: null, name: null } },
      { queue: 'psm', assignee: 'psm-anna', ruleId: 'chat-to-psm' },
    );
    const message = ticketMessage({ ticketId: ticket.ticketId, direction: 'inbound', channel: 'chat' });

    await produce(Topics.ticketsMessages, ticket.ticketId, message);

    const hook = await soon(() => {
      const found = webhooks
        .forTicket(ticket.ticketId)
        .find((webhook) => webhook.id === notificationIdOf(message, 'psm'));
      if (!found) throw new Error('no PSM follow-up yet');
      return found;
    });
    expect(hook.path).toBe('/psm');
    expect(hook.json).toMatchObject({ type: 'ticket.follow-up', data: { audience: 'psm', recipient: 'psm-anna' } });
  });

  it('forgets the contact on erasure, and a later reply reaches no one and says so, without the address', async () => {
    const email = `erased-${randomUUID()}@example.org`;
    const { ticket } = await openedTicket({
      requester: { userId: null, orgId: 'org-1', email, name: 'Erased Person', phone: '+33612345678' },
    });
    await mails(email, 1);

    const erasure = subjectErased({ ticketIds: [ticket.ticketId] });
    await produce(Topics.subjectsErased, erasure.subjectRef, erasure);
    await soon(async () => expect(await sut.get(ContactRepository).find(ticket.ticketId)).toEqual({ kind: 'erased' }));
    expect((await sut.get(ContactRepository).forAlerts([ticket.ticketId])).size).toBe(0);
    const reply = agentReply(ticket.ticketId, 'Late answer for the erased requester.');
    await produce(Topics.ticketsMessages, ticket.ticketId, reply);

    const outcome = await soon(() => {
      const found = outcomesOf(ticket.ticketId).find(
        (candidate) => candidate.notificationId === notificationIdOf(reply, 'requester'),
      );
      if (!found) throw new Error('no outcome yet');
      return found;
    });
    expect(outcome).toMatchObject({
      audience: 'requester',
      outcome: 'skipped',
      error: 'the requester address has been erased',
    });
    expect(smtp.to(email)).toHaveLength(1);
    expect(smtp.messages.filter((mail) => mail.text.includes('Late answer'))).toEqual([]);
    for (const record of outcomes.records.filter((found) => found.key === ticket.ticketId))
      expect(record.value).not.toContain(email);
    expect(await sut.get(DeliveryRepository).findStatus(notificationIdOf(reply, 'requester'))).toMatchObject({
      state: 'skipped',
    });
  });
});
