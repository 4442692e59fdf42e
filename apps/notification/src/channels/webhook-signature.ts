import { createHmac } from 'node:crypto';

/** Standard Webhooks (https://www.standardwebhooks.com) header names. */
export const WebhookHeaders = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;

/**
 * Decodes a `whsec_<base64>` secret; undefined when it is not one (or too short to be safe).
 * Several secrets may be configured, separated by spaces, to rotate without a gap.
 */
export function parseWebhookSecrets(text: string): Buffer[] | undefined {
  const parts = text
    .trim()
    .split(/\s+/)
    .filter((part) => part.length > 0);
  if (parts.length === 0) return undefined;
  const keys: Buffer[] = [];
  for (const part of parts) {
    if (!part.startsWith(SECRET_PREFIX)) return undefined;
    const encoded = part.slice(SECRET_PREFIX.length);
    if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return undefined;
    const key = Buffer.from(encoded, 'base64');
    if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) return undefined;
    keys.push(key);
  }
  return keys;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per key, space-separated. */
export function signWebhook(keys: readonly Buffer[], id: string, timestampSeconds: number, body: string): string {
  const content = `${id}.${timestampSeconds}.${body}`;
  return keys.map((key) => `v1,${createHmac('sha256', key).update(content).digest('base64')}`).join(' ');
}

export function webhookHeaders(keys: readonly Buffer[], id: string, at: Date, body: string): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    [WebhookHeaders.id]: id,
    [WebhookHeaders.timestamp]: String(timestamp),
    [WebhookHeaders.signature]: signWebhook(keys, id, timestamp, body),
  };
}
