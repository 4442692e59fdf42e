import fc from 'fast-check';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { parseWebhookSecrets, signWebhook, webhookHeaders } from './webhook-signature.js';

// The example of the Standard Webhooks specification (and of the Svix libraries that follow it).
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe(signWebhook.name, () => {
  it('signs "id.timestamp.body" as the Standard Webhooks example does', () => {
    const keys = parseWebhookSecrets(SPEC.secret) ?? [];

    const sut = signWebhook(keys, SPEC.id, SPEC.timestamp, SPEC.body);

    expect(sut).toBe(SPEC.signature);
  });

  it('signs with every configured key while secrets are rotated', () => {
    const keys = parseWebhookSecrets(`${SPEC.secret} whsec_${Buffer.alloc(32, 7).toString('base64')}`) ?? [];

    const sut = signWebhook(keys, SPEC.id, SPEC.timestamp, SPEC.body).split(' ');

    expect(sut).toHaveLength(2);
    expect(sut[0]).toBe(SPEC.signature);
    expect(sut[1]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('changes with any change of the id, the timestamp or the body', () => {
    const keys = parseWebhookSecrets(SPEC.secret) ?? [];
    fc.assert(
      fc.property(fc.string(), fc.string(), (id, body) => {
        fc.pre(id !== SPEC.id || body !== SPEC.body);
        expect(signWebhook(keys, id, SPEC.timestamp, body)).not.toBe(SPEC.signature);
      }),
    );
    expect(signWebhook(keys, SPEC.id, SPEC.timestamp + 1, SPEC.body)).not.toBe(SPEC.signature);
  });
});

describe(webhookHeaders.name, () => {
  // Signed now: the reference library, which decides below, refuses timestamps older than 5 minutes.
  const body = JSON.stringify({ type: 'alert.raised', data: { ticketId: 't-1', text: 'accès refusé' } });
  const now = (): Date => new Date();

  it('gives the three Standard Webhooks headers, the timestamp in whole seconds', () => {
    const keys = parseWebhookSecrets(SPEC.secret) ?? [];

    const sut = webhookHeaders(keys, SPEC.id, new Date(SPEC.timestamp * 1000 + 999), SPEC.body);

    expect(sut).toEqual({
      'webhook-id': SPEC.id,
      'webhook-timestamp': String(SPEC.timestamp),
      'webhook-signature': SPEC.signature,
    });
  });

  it('makes headers the reference library verifies', () => {
    const keys = parseWebhookSecrets(SPEC.secret) ?? [];

    const sut = webhookHeaders(keys, SPEC.id, now(), body);

    expect(new Webhook(SPEC.secret).verify(body, sut)).toEqual(JSON.parse(body));
  });

  it('makes headers the reference library refuses for a tampered body', () => {
    const keys = parseWebhookSecrets(SPEC.secret) ?? [];

    const sut = webhookHeaders(keys, SPEC.id, now(), body);

    expect(() => new Webhook(SPEC.secret).verify(body.replace('t-1', 't-2'), sut)).toThrow(WebhookVerificationError);
  });

  it('is verified under either secret while secrets are rotated', () => {
    const next = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const keys = parseWebhookSecrets(`${SPEC.secret} ${next}`) ?? [];

    const sut = webhookHeaders(keys, SPEC.id, now(), body);

    expect(new Webhook(SPEC.secret).verify(body, sut)).toEqual(JSON.parse(body));
    expect(new Webhook(next).verify(body, sut)).toEqual(JSON.parse(body));
  });
});

describe(parseWebhookSecrets.name, () => {
  test.each([
    ['an empty value', ''],
    ['a secret without the whsec_ prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['a secret that is not base64', 'whsec_not base64!'],
    ['a secret shorter than 24 bytes', `whsec_${Buffer.alloc(16, 1).toString('base64')}`],
    ['a secret longer than 64 bytes', `whsec_${Buffer.alloc(65, 1).toString('base64')}`],
    ['one bad secret among good ones', `${SPEC.secret} nope`],
  ])('refuses %s', (_, text) => {
    expect(parseWebhookSecrets(text)).toBeUndefined();
  });

  it('decodes the base64 after the prefix', () => {
    const sut = parseWebhookSecrets(`  ${SPEC.secret}  `);

    expect(sut?.map((key) => key.toString('base64'))).toEqual(['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']);
  });
});
