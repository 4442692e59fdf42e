import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WebhookReceiver, webhookSecret } from './webhook-receiver.js';

const BODY = '{"type":"ticket.claimed","data":{"ticketId":"t-1"}}';

/** Headers signed by the reference library, not by our sender. */
function signed(secret: string, at = new Date(), body = BODY): { id: string; timestamp: string; signature: string } {
  const id = randomUUID();
  return { id, timestamp: String(Math.floor(at.getTime() / 1000)), signature: new Webhook(secret).sign(id, at, body) };
}

describe(WebhookReceiver.name, () => {
  const current = webhookSecret();
  const next = webhookSecret();

  it('accepts a signature under its secret and refuses one under another', () => {
    const sut = new WebhookReceiver({ secret: current });
    const good = signed(current);
    const foreign = signed(webhookSecret());

    expect(sut.verify(good.id, good.timestamp, BODY, good.signature)).toBe(true);
    expect(sut.verify(foreign.id, foreign.timestamp, BODY, foreign.signature)).toBe(false);
  });

  it('refuses a tampered body, another id and a stale timestamp', () => {
    const sut = new WebhookReceiver({ secret: current });
    const good = signed(current);
    const stale = signed(current, new Date(Date.now() - 10 * 60_000));

    expect(sut.verify(good.id, good.timestamp, BODY.replace('t-1', 't-2'), good.signature)).toBe(false);
    expect(sut.verify(randomUUID(), good.timestamp, BODY, good.signature)).toBe(false);
    expect(sut.verify(stale.id, stale.timestamp, BODY, stale.signature)).toBe(false);
  });

  it('accepts a signature under any of its secrets while they are rotated', () => {
    const sut = new WebhookReceiver({ secret: `${current} ${next}` });
    const old = signed(current);
    const renewed = signed(next);
    const foreign = signed(webhookSecret());

    expect(sut.verify(old.id, old.timestamp, BODY, old.signature)).toBe(true);
    expect(sut.verify(renewed.id, renewed.timestamp, BODY, renewed.signature)).toBe(true);
    expect(sut.verify(foreign.id, foreign.timestamp, BODY, foreign.signature)).toBe(false);
  });

  it('accepts a header with several signatures when one of them is its own', () => {
    const sut = new WebhookReceiver({ secret: next });
    const at = new Date();
    const id = randomUUID();
    const both = [current, next].map((secret) => new Webhook(secret).sign(id, at, BODY)).join(' ');

    expect(sut.verify(id, String(Math.floor(at.getTime() / 1000)), BODY, both)).toBe(true);
  });
});
