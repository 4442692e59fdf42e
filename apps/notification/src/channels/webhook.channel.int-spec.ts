import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebhookReceiver, webhookSecret } from '#testing';
import type { WebhookResponse } from '#testing';
import type { Delivery } from './notification-channel.js';
import { WebhookChannel, retryAfterMs } from './webhook.channel.js';
import { parseWebhookSecrets } from './webhook-signature.js';

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    notificationId: randomUUID(),
    ticketId: randomUUID(),
    reference: 'SR-7K4Q-M2XD',
    kind: 'alert.raised',
    audience: 'phone-desk',
    recipient: 'phone-desk',
    locale: 'en',
    subject: 'URGENT access alert SR-7K4Q-M2XD',
    body: 'Urgent access problem, ticket SR-7K4Q-M2XD (P1). Acknowledge alert a-1.',
    alertId: 'a-1',
    escalationLevel: 0,
    createdAt: new Date('2026-11-25T10:00:00.000Z'),
    attempt: 1,
    ...overrides,
  };
}

const signal = (ms = 2_000): AbortSignal => AbortSignal.timeout(ms);

describe(WebhookChannel.name, () => {
  const secret = webhookSecret();
  const answers = new Map<string, WebhookResponse>();
  const receiver = new WebhookReceiver({ secret, respond: (webhook) => answers.get(webhook.id) ?? { status: 200 } });
  let sut: WebhookChannel;

  beforeAll(async () => {
    await receiver.start();
    sut = new WebhookChannel({ keys: parseWebhookSecrets(secret) ?? [], maxSockets: 4 });
  });

  afterAll(async () => {
    sut.close();
    await receiver.stop();
  });

  it('posts the notification signed the Standard Webhooks way, the notification id as webhook-id', async () => {
    const notification = delivery();

    await sut.deliver(notification, { url: receiver.url('/alerts') }, signal());

    const received = receiver.received.find((webhook) => webhook.id === notification.notificationId);
    expect(received?.path).toBe('/alerts');
    expect(received?.json).toEqual({
      type: 'alert.raised',
      timestamp: '2026-11-25T10:00:00.000Z',
      data: {
        notificationId: notification.notificationId,
        ticketId: notification.ticketId,
        reference: 'SR-7K4Q-M2XD',
        audience: 'phone-desk',
        recipient: 'phone-desk',
        locale: 'en',
        subject: notification.subject,
        text: notification.body,
        alertId: 'a-1',
        escalationLevel: 0,
      },
    });
    expect(Math.abs((received?.timestamp ?? 0) - Date.now() / 1000)).toBeLessThan(5);
  });

  it("continues the ticket's trace: a new span of the causing event's traceparent, outside the signed content", async () => {
    const traceId = randomUUID().replace(/-/g, '');
    const parent = `00-${traceId}-00f067aa0ba902b7-01`;
    const traced = delivery({ traceparent: parent });
    const untraced = delivery();

    await sut.deliver(traced, { url: receiver.url('/alerts') }, signal());
    await sut.deliver(untraced, { url: receiver.url('/alerts') }, signal());

    const received = receiver.received.find((webhook) => webhook.id === traced.notificationId);
    expect(received?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(received?.traceparent).not.toBe(parent);
    expect(received?.json.data).not.toHaveProperty('traceparent');
    expect(receiver.received.find((webhook) => webhook.id === untraced.notificationId)?.traceparent).toBeUndefined();
  });

  it('keeps the same webhook-id and body on a later attempt, so the receiver can deduplicate', async () => {
    const notification = delivery();

    await sut.deliver(notification, { url: receiver.url() }, signal());
    await sut.deliver({ ...notification, attempt: 2 }, { url: receiver.url() }, signal());

    const received = receiver.received.filter((webhook) => webhook.id === notification.notificationId);
    expect(received).toHaveLength(2);
    expect(received[1]?.body).toBe(received[0]?.body);
  });

  it('is refused by a receiver holding another secret', async () => {
    const other = new WebhookChannel({ keys: parseWebhookSecrets(webhookSecret()) ?? [], maxSockets: 1 });
    const rejectedBefore = receiver.rejected;

    await expect(other.deliver(delivery(), { url: receiver.url() }, signal())).rejects.toMatchObject({
      code: 'HTTP_STATUS',
      message: 'receiver answered 401',
      retriable: false,
    });
    expect(receiver.rejected).toBe(rejectedBefore + 1);
    other.close();
  });

  test.each([
    { status: 503, retriable: true },
    { status: 500, retriable: true },
    { status: 429, retriable: true },
    { status: 408, retriable: true },
    { status: 404, retriable: false },
    { status: 410, retriable: false },
    { status: 400, retriable: false },
  ])('treats a $status answer as retriable: $retriable', async ({ status, retriable }) => {
    const notification = delivery();
    answers.set(notification.notificationId, { status });

    await expect(sut.deliver(notification, { url: receiver.url() }, signal())).rejects.toMatchObject({
      code: 'HTTP_STATUS',
      retriable,
    });
  });

  it("passes on the receiver's Retry-After", async () => {
    const notification = delivery();
    answers.set(notification.notificationId, { status: 429, headers: { 'retry-after': '120' } });

    await expect(sut.deliver(notification, { url: receiver.url() }, signal())).rejects.toMatchObject({
      retriable: true,
      retryAfterMs: 120_000,
    });
  });

  it('gives up on a receiver that does not answer in time, as a retriable timeout', async () => {
    const notification = delivery();
    answers.set(notification.notificationId, { status: 200, delayMs: 5_000 });

    await expect(sut.deliver(notification, { url: receiver.url() }, signal(200))).rejects.toMatchObject({
      code: 'TIMEOUT',
      retriable: true,
    });
  });

  it('reports a receiver that is down as a retriable network error', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    await expect(sut.deliver(delivery(), { url: `http://127.0.0.1:${port}/hooks` }, signal())).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      message: 'cannot reach the receiver (ECONNREFUSED)',
      retriable: true,
    });
  });

  it('does not follow redirects', async () => {
    const notification = delivery();
    answers.set(notification.notificationId, { status: 302, headers: { location: 'http://169.254.169.254/' } });

    await expect(sut.deliver(notification, { url: receiver.url() }, signal())).rejects.toMatchObject({
      message: 'receiver answered 302',
      retriable: false,
    });
  });
});

describe(retryAfterMs.name, () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-25T10:00:00.000Z');

    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 25 Nov 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Wed, 25 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
