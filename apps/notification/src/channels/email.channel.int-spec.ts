import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SmtpReceiver } from '#testing';
import { EmailChannel, senderDomain } from './email.channel.js';
import type { Delivery } from './notification-channel.js';

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    notificationId: randomUUID(),
    ticketId: randomUUID(),
    reference: 'SR-7K4Q-M2XD',
    kind: 'ticket.routed',
    audience: 'requester',
    recipient: null,
    locale: 'fr',
    subject: 'Votre demande SR-7K4Q-M2XD a bien été envoyée',
    body: "Votre demande a bien été envoyée, l'équipe vous répondra dans les meilleurs délais. Référence : SR-7K4Q-M2XD.",
    alertId: null,
    escalationLevel: null,
    createdAt: new Date(),
    attempt: 1,
    ...overrides,
  };
}

const signal = (): AbortSignal => AbortSignal.timeout(5_000);

describe(EmailChannel.name, () => {
  const smtp = new SmtpReceiver({
    refuseRecipient: (address) => {
      if (address.startsWith('unknown')) return 550;
      if (address.startsWith('greylisted')) return 451;
      return undefined;
    },
  });
  let sut: EmailChannel;

  beforeAll(async () => {
    await smtp.start();
    sut = new EmailChannel({
      smtpUrl: smtp.url,
      from: 'Support <support@example.com>',
      timeoutMs: 5_000,
      maxConnections: 2,
      requireTls: false,
    });
  });

  afterAll(async () => {
    sut.close();
    await smtp.stop();
  });

  it('sends a plain-text mail with a Message-ID derived from the notification id', async () => {
    const notification = delivery();
    const to = `dpo-${randomUUID()}@example.org`;

    await sut.deliver(notification, { to }, signal());

    const [mail] = smtp.to(to);
    expect(mail?.envelopeFrom).toBe('support@example.com');
    expect(mail?.subject).toBe(notification.subject);
    expect(mail?.text).toBe(notification.body);
    expect(mail?.headers['content-type']).toContain('text/plain');
    expect(mail?.headers['message-id']).toBe(`<${notification.notificationId}@example.com>`);
    expect(mail?.headers['auto-submitted']).toBe('auto-generated');
    expect(mail?.headers['x-support-reference']).toBe('SR-7K4Q-M2XD');
  });

  it('reports a refused recipient as final, without the address', async () => {
    const to = `unknown-${randomUUID()}@example.org`;

    const failure = sut.deliver(delivery(), { to }, signal());

    await expect(failure).rejects.toMatchObject({ code: 'SMTP_REJECTED', retriable: false });
    await expect(failure).rejects.not.toHaveProperty('message', expect.stringContaining(to));
  });

  it('reports a temporary refusal as retriable', async () => {
    await expect(
      sut.deliver(delivery(), { to: `greylisted-${randomUUID()}@example.org` }, signal()),
    ).rejects.toMatchObject({
      code: 'SMTP_UNAVAILABLE',
      retriable: true,
    });
  });

  it('reports a mail server that is down as retriable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const down = new EmailChannel({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      from: 'support@example.com',
      timeoutMs: 2_000,
      maxConnections: 1,
      requireTls: false,
    });

    await expect(down.deliver(delivery(), { to: 'someone@example.org' }, signal())).rejects.toMatchObject({
      retriable: true,
    });
    down.close();
  });
});

describe(senderDomain.name, () => {
  it('takes the domain of the From address', () => {
    expect(senderDomain('Support <support@example.com>')).toBe('example.com');
    expect(senderDomain('no-reply@mail.example.org')).toBe('mail.example.org');
    expect(senderDomain('Support')).toBe('localhost');
  });
});
