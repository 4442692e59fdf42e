import { Topics } from '#contracts';
import type { PhoneDeskAlertPayload, TicketLifecyclePayload } from '#contracts';
import {
  KafkaTestClient,
  ManualClock,
  WebhookReceiver,
  eventually,
  isolatedDatabase,
  lifecycleEvent,
  phoneDeskAlert,
  submittedTicket,
  tailTopics,
  testBrokers,
  testDatabaseUrl,
  userToken,
  webhookSecret,
} from '#testing';
import type { IsolatedDatabase, ReceivedWebhook, TopicTail } from '#testing';
import { EscalationScheduler } from '../src/alerts/escalation.scheduler.js';
import { DeliveryRepository } from '../src/delivery/delivery.repository.js';
import { NotificationApp } from './notification-app.js';
import { OutboxRepository } from '#platform';

const GROUP = 'support-notification-it-alerts';
const MINUTE = 60_000;
const ACK_TIMEOUT = 5 * MINUTE;

interface AlertView {
  alertId: string;
  reason: string | null;
  message: string | null;
  requester: { name: string | null; email: string | null; phone: string | null } | null;
  status: string;
  escalationLevel: number;
  nextEscalationAt: string | null;
  acknowledgedBy: string | null;
}

const soon = <T>(assertion: () => Promise<T> | T): Promise<T> => eventually(assertion, { timeoutMs: 30_000 });

describe('Phone-desk alerts and their escalation (injectable clock, real Kafka and PostgreSQL)', () => {
  const secret = webhookSecret();
  const webhooks = new WebhookReceiver({ secret });
  const clock = new ManualClock();
  let database: IsolatedDatabase;
  let kafka: KafkaTestClient;
  let lifecycle: TopicTail;
  let sut: NotificationApp;
  let operator: string;

  const env = (): Record<string, string> => ({
    DATABASE_URL: database.url,
    NOTIFY_WEBHOOK_SECRET: secret,
    NOTIFY_RECIPIENTS: JSON.stringify({
      'phone-desk': { channel: 'webhook', url: webhooks.url('/desk') },
      'on-call': { channel: 'webhook', url: webhooks.url('/on-call') },
    }),
    ALERT_ACK_TIMEOUT: '5m',
    ALERT_MAX_ESCALATIONS: '2',
    ALERT_SCAN_INTERVAL_MS: '50',
    NOTIFY_POLL_INTERVAL_MS: '50',
  });

  const start = (): Promise<NotificationApp> => NotificationApp.start({ env: env(), groupId: GROUP, clock });

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'notification_it_alerts');
    await webhooks.start();
    kafka = new KafkaTestClient(testBrokers());
    lifecycle = await tailTopics(kafka, [Topics.ticketsLifecycle]);
    await NotificationApp.skipHistory(GROUP);
    sut = await start();
    operator = await userToken({ sub: 'desk-operator-1', roles: ['phone-desk'] });
  });

  afterAll(async () => {
    await sut?.stop();
    await lifecycle?.stop();
    await kafka?.close();
    await webhooks.stop();
    await database?.drop();
  });

  async function raise(alert: PhoneDeskAlertPayload, partition?: number): Promise<void> {
    await kafka.produce(Topics.alertsPhoneDesk, [
      { key: alert.ticketId, value: JSON.stringify(alert), ...(partition === undefined ? {} : { partition }) },
    ]);
  }

  function hooks(alert: PhoneDeskAlertPayload, path: '/desk' | '/on-call'): ReceivedWebhook[] {
    return webhooks.received.filter((webhook) => webhook.path === path && webhook.json.data.alertId === alert.alertId);
  }

  /**
   * Waits for the webhooks and for their deliveries to be settled: the clock is only moved once
   * the service is done with the moment, as it would be long before minutes really passed.
   */
  async function notified(
    alert: PhoneDeskAlertPayload,
    path: '/desk' | '/on-call',
    count = 1,
  ): Promise<ReceivedWebhook[]> {
    const found = await soon(() => {
      const received = hooks(alert, path);
      expect(received).toHaveLength(count);
      return received;
    });
    await soon(async () => {
      const statuses = await Promise.all(found.map((hook) => sut.get(DeliveryRepository).findStatus(hook.id)));
      expect(statuses.map((status) => status?.state)).toEqual(found.map(() => 'sent'));
    });
    return found;
  }

  function lifecycleOf(alert: PhoneDeskAlertPayload): TicketLifecyclePayload[] {
    return lifecycle.records
      .map((record) => JSON.parse(record.value ?? '{}') as TicketLifecyclePayload)
      .filter((event) => event.alertId === alert.alertId && event.event.startsWith('alert.'));
  }

  async function call(method: 'GET' | 'POST', path: string, token?: string): Promise<Response> {
    return fetch(`${sut.url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  }

  async function view(alert: PhoneDeskAlertPayload, status = 'all'): Promise<AlertView | undefined> {
    const response = await call('GET', `/v1/alerts?status=${status}&limit=500`, operator);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: AlertView[] };
    return body.items.find((item) => item.alertId === alert.alertId);
  }

  it('tells the phone desk at once, by a signed webhook, and lists the alert as open', async () => {
    const alert = phoneDeskAlert();

    await raise(alert);

    const [hook] = await notified(alert, '/desk');
    expect(hook?.json).toMatchObject({
      type: 'alert.raised',
      data: { audience: 'phone-desk', alertId: alert.alertId, reference: alert.reference, escalationLevel: 0 },
    });
    expect(String(hook?.json.data.text)).toContain(alert.alertId);
    expect(await soon(() => view(alert, 'open'))).toMatchObject({
      status: 'raised',
      escalationLevel: 0,
      nextEscalationAt: new Date(clock.now().getTime() + ACK_TIMEOUT).toISOString(),
    });
  });

  it("shows the operator the routing reason, the request and the requester's contact to call back", async () => {
    const ticket = submittedTicket({
      channel: 'phone',
      requestType: 'access_problem',
      message: 'Locked out of the admin account since the SSO change.',
      requester: {
        userId: null,
        orgId: 'org-1',
        email: 'caller@example.org',
        name: 'Camille Caller',
        phone: '+33612345678',
      },
    });
    const alert = phoneDeskAlert({
      ticketId: ticket.ticketId,
      reference: ticket.reference,
      reason: 'urgent access problem by phone',
    });

    await kafka.produce(Topics.ticketsSubmitted, [{ key: ticket.ticketId, value: JSON.stringify(ticket) }]);
    await raise(alert);

    const shown = await soon(async () => {
      const found = await view(alert, 'open');
      expect(found?.requester?.phone).toBe('+33612345678');
      return found;
    });
    expect(shown).toMatchObject({
      reason: 'urgent access problem by phone',
      message: 'Locked out of the admin account since the SSO change.',
      requester: { name: 'Camille Caller', email: 'caller@example.org', phone: '+33612345678' },
    });
    const [hook] = await notified(alert, '/desk');
    // The alert webhook itself carries no personal data.
    expect(hook?.body).not.toContain('Camille');
    expect(hook?.body).not.toContain('+33612345678');
  });

  it('sends an alert raised outside desk hours to on-call at once', async () => {
    const alert = phoneDeskAlert({ target: 'on-call' });

    await raise(alert);

    const [hook] = await notified(alert, '/on-call');
    expect(hook?.json).toMatchObject({ type: 'alert.raised', data: { audience: 'on-call', escalationLevel: 0 } });
    expect(hooks(alert, '/desk')).toHaveLength(0);
  });

  it('notifies the desk once when the same alert event is delivered twice', async () => {
    const alert = phoneDeskAlert();
    const marker = phoneDeskAlert();

    await raise(alert, 0);
    await raise(alert, 0);
    await raise(marker, 0);

    await notified(marker, '/desk');
    expect(hooks(alert, '/desk')).toHaveLength(1);
  });

  it('keeps the alert API to phone-desk operators, with problem details', async () => {
    const alert = phoneDeskAlert();
    const agent = await userToken({ sub: 'agent-1', roles: ['agent'] });
    await raise(alert);
    await notified(alert, '/desk');

    const anonymous = await call('GET', '/v1/alerts?status=open');
    const wrongRole = await call('POST', `/v1/alerts/${alert.alertId}/ack`, agent);
    const unknown = await call('POST', '/v1/alerts/no-such-alert/ack', operator);
    const badQuery = await call('GET', '/v1/alerts?status=closed', operator);

    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
    expect(wrongRole.status).toBe(403);
    expect(await wrongRole.json()).toMatchObject({ code: 'AUTH_MISSING_ROLE' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'ALERT_NOT_FOUND' });
    expect(badQuery.status).toBe(400);
    expect(await badQuery.json()).toMatchObject({ code: 'INVALID_QUERY', errors: [{ field: 'status' }] });
    expect(await view(alert, 'open')).toMatchObject({ status: 'raised' });
  });

  it('stops the escalation when the desk acknowledges before the timeout', async () => {
    const acknowledged = phoneDeskAlert();
    const control = phoneDeskAlert();
    const otherOperator = await userToken({ sub: 'desk-operator-2', roles: ['phone-desk'] });
    await Promise.all([raise(acknowledged), raise(control)]);
    await Promise.all([notified(acknowledged, '/desk'), notified(control, '/desk')]);

    const first = await call('POST', `/v1/alerts/${acknowledged.alertId}/ack`, operator);
    const again = await call('POST', `/v1/alerts/${acknowledged.alertId}/ack`, operator);
    const other = await call('POST', `/v1/alerts/${acknowledged.alertId}/ack`, otherOperator);
    clock.advance(ACK_TIMEOUT);

    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'desk-operator-1',
      nextEscalationAt: null,
    });
    expect(again.status).toBe(200);
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ code: 'ALERT_ALREADY_ACKNOWLEDGED' });
    // The control alert, due at the same moment, escalates: the scheduler has passed the deadline.
    await notified(control, '/on-call');
    expect(hooks(acknowledged, '/on-call')).toHaveLength(0);
    await soon(() =>
      expect(lifecycleOf(acknowledged)).toEqual([
        expect.objectContaining({ event: 'alert.acknowledged', actor: 'desk-operator-1' }),
      ]),
    );
    expect(await view(acknowledged, 'acknowledged')).toMatchObject({ escalationLevel: 0 });
  });

  it('escalates an unacknowledged alert to on-call once per timeout, up to the limit', async () => {
    const earlier = phoneDeskAlert();
    const alert = phoneDeskAlert();
    await raise(earlier);
    await notified(earlier, '/desk');
    clock.advance(MINUTE);
    await raise(alert);
    await notified(alert, '/desk');

    clock.advance(ACK_TIMEOUT - MINUTE);
    await notified(earlier, '/on-call');
    expect(hooks(alert, '/on-call')).toHaveLength(0);
    clock.advance(MINUTE);
    const [first] = await notified(alert, '/on-call');
    clock.advance(ACK_TIMEOUT);
    const escalations = await notified(alert, '/on-call', 2);
    clock.advance(ACK_TIMEOUT);

    expect(first?.json).toMatchObject({ type: 'alert.escalated', data: { audience: 'on-call', escalationLevel: 1 } });
    expect(escalations[1]?.json).toMatchObject({ type: 'alert.escalated', data: { escalationLevel: 2 } });
    expect(escalations[1]?.json.data.subject).toContain('2/2');
    expect(new Set(escalations.map((hook) => hook.id)).size).toBe(2);
    await soon(() =>
      expect(lifecycleOf(alert).map((event) => event.note)).toEqual([
        'escalation 1/2 to on-call: not acknowledged in time',
        'escalation 2/2 to on-call: not acknowledged in time',
      ]),
    );
    expect(await view(alert, 'open')).toMatchObject({
      status: 'escalated',
      escalationLevel: 2,
      nextEscalationAt: null,
    });
    expect(hooks(alert, '/on-call')).toHaveLength(2);
  });

  it('keeps the timer across a restart: a new instance escalates when the deadline passes', async () => {
    const alert = phoneDeskAlert();
    await raise(alert);
    await notified(alert, '/desk');

    await sut.stop();
    clock.advance(ACK_TIMEOUT);
    sut = await start();

    const [hook] = await notified(alert, '/on-call');
    expect(hook?.json.data.escalationLevel).toBe(1);
    expect(hooks(alert, '/desk')).toHaveLength(1);
    await soon(() => expect(lifecycleOf(alert).filter((event) => event.event === 'alert.escalated')).toHaveLength(1));
  });

  it('escalates each alert once when two instances run', async () => {
    const second = await start();
    try {
      const alerts = Array.from({ length: 10 }, () => phoneDeskAlert());
      await Promise.all(alerts.map((alert) => raise(alert)));
      await Promise.all(alerts.map((alert) => notified(alert, '/desk')));

      clock.advance(ACK_TIMEOUT);
      // Both schedulers go for the same due alerts at the same moment (their loops run too).
      await Promise.all([sut.get(EscalationScheduler).escalateDue(), second.get(EscalationScheduler).escalateDue()]);

      await Promise.all(alerts.map((alert) => notified(alert, '/on-call')));
      await soon(async () =>
        expect((await sut.get(OutboxRepository).waiting()) + (await second.get(OutboxRepository).waiting())).toBe(0),
      );
      await soon(() => expect(alerts.filter((alert) => lifecycleOf(alert).length === 1)).toHaveLength(alerts.length));
      for (const alert of alerts) {
        expect(hooks(alert, '/on-call')).toHaveLength(1);
        expect(lifecycleOf(alert)).toEqual([
          expect.objectContaining({
            event: 'alert.escalated',
            note: 'escalation 1/2 to on-call: not acknowledged in time',
          }),
        ]);
        expect(await view(alert)).toMatchObject({ escalationLevel: 1 });
      }
    } finally {
      await second.stop();
    }
  });

  it('stops escalating once an agent has claimed the ticket', async () => {
    const alert = phoneDeskAlert();
    await raise(alert);
    await notified(alert, '/desk');

    await kafka.produce(Topics.ticketsLifecycle, [
      {
        key: alert.ticketId,
        value: JSON.stringify(lifecycleEvent({ ticketId: alert.ticketId, event: 'claimed', actor: 'agent-7' })),
      },
    ]);

    await soon(async () =>
      expect(await view(alert, 'acknowledged')).toMatchObject({ acknowledgedBy: 'agent-7', nextEscalationAt: null }),
    );
  });
});
