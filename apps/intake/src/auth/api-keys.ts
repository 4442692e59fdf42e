import { CHANNELS } from '#contracts';
import type { Channel } from '#contracts';

/** One upstream app's key: its name, the SHA-256 of the key (never the key) and its channels. */
export interface ApiKeyEntry {
  readonly name: string;
  readonly digest: Buffer;
  readonly channels: readonly Channel[];
}

/**
 * Reads INTAKE_API_KEYS; throws with the entry and field at fault. Names must be unique: the name
 * is the app's identity (its rate limit, its idempotency keys), which two apps must not share.
 */
export function parseApiKeys(json: string): ApiKeyEntry[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw new Error('INTAKE_API_KEYS must be a JSON array');
  const names = new Set<string>();
  return parsed.map((entry: unknown, index) => {
    if (entry === null || typeof entry !== 'object')
      throw new Error(`INTAKE_API_KEYS[${index}] must be an object {name, sha256, channels}`);
    const candidate = entry as { name?: unknown; sha256?: unknown; channels?: unknown };
    if (typeof candidate.name !== 'string' || !candidate.name)
      throw new Error(`INTAKE_API_KEYS[${index}].name is missing`);
    if (names.has(candidate.name))
      throw new Error(
        `INTAKE_API_KEYS[${index}].name "${candidate.name}" is used by another entry: names must be unique`,
      );
    names.add(candidate.name);
    if (typeof candidate.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(candidate.sha256)) {
      throw new Error(`INTAKE_API_KEYS[${index}].sha256 must be 64 hex characters`);
    }
    const channels = candidate.channels;
    if (
      !Array.isArray(channels) ||
      channels.length === 0 ||
      !channels.every((channel) => (CHANNELS as readonly unknown[]).includes(channel))
    ) {
      throw new Error(`INTAKE_API_KEYS[${index}].channels must list channels among ${CHANNELS.join(', ')}`);
    }
    return { name: candidate.name, digest: Buffer.from(candidate.sha256, 'hex'), channels: channels as Channel[] };
  });
}

/** parseApiKeys for the configuration check: the entries, or the one problem that stops it. */
export function checkApiKeys(
  json: string,
): { readonly ok: true; readonly value: ApiKeyEntry[] } | { readonly ok: false; readonly problems: string[] } {
  try {
    return { ok: true, value: parseApiKeys(json) };
  } catch (error) {
    const message =
      error instanceof SyntaxError
        ? 'INTAKE_API_KEYS: not valid JSON'
        : error instanceof Error
          ? error.message
          : String(error);
    return { ok: false, problems: [message] };
  }
}
