import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CHANNELS } from '#contracts';
import type { Channel } from '#contracts';
import { AuthErrorCode, TokenVerifier, forbidden, unauthorized } from '#platform';
import type { UserPrincipal } from '#platform';
import { IntakeConfig } from '../intake.config.js';

export type { UserPrincipal } from '#platform';

/** An upstream app (phone desk app, email gateway) identified by its API key. */
export interface UpstreamPrincipal {
  readonly kind: 'upstream';
  readonly name: string;
  readonly channels: readonly Channel[];
}

interface ApiKeyEntry {
  readonly name: string;
  readonly digest: Buffer;
  readonly channels: readonly Channel[];
}

export function parseApiKeys(json: string): ApiKeyEntry[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw new Error('INTAKE_API_KEYS must be a JSON array');
  return parsed.map((entry: unknown, index) => {
    if (entry === null || typeof entry !== 'object') throw new Error(`INTAKE_API_KEYS[${index}] must be an object {name, sha256, channels}`);
    const candidate = entry as { name?: unknown; sha256?: unknown; channels?: unknown };
    if (typeof candidate.name !== 'string' || !candidate.name) throw new Error(`INTAKE_API_KEYS[${index}].name is missing`);
    if (typeof candidate.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(candidate.sha256)) {
      throw new Error(`INTAKE_API_KEYS[${index}].sha256 must be 64 hex characters`);
    }
    const channels = candidate.channels;
    if (!Array.isArray(channels) || channels.length === 0 || !channels.every((channel) => (CHANNELS as readonly unknown[]).includes(channel))) {
      throw new Error(`INTAKE_API_KEYS[${index}].channels must list channels among ${CHANNELS.join(', ')}`);
    }
    return { name: candidate.name, digest: Buffer.from(candidate.sha256, 'hex'), channels: channels as Channel[] };
  });
}

/**
 * Identifies callers: user bearer tokens (through the shared TokenVerifier: pinned algorithms,
 * issuer, audience and expiry checked) and upstream API keys (compared by their SHA-256 in
 * constant time).
 */
@Injectable()
export class CredentialsService {
  private readonly apiKeys: ApiKeyEntry[];
  private readonly tokens: TokenVerifier;

  constructor(config: IntakeConfig) {
    this.apiKeys = parseApiKeys(config.INTAKE_API_KEYS);
    this.tokens = new TokenVerifier({
      secret: config.AUTH_JWT_SECRET,
      issuer: config.AUTH_JWT_ISSUER,
      audience: config.AUTH_JWT_AUDIENCE,
      ...(config.AUTH_JWKS_URL ? { jwksUrl: config.AUTH_JWKS_URL } : {}),
    });
  }

  verifyBearer(authorization: string | undefined): Promise<UserPrincipal> {
    return this.tokens.verify(authorization);
  }

  verifyApiKey(apiKey: string | undefined, channel: Channel): UpstreamPrincipal {
    if (!apiKey) throw unauthorized(AuthErrorCode.missingCredentials, `the ${channel} channel needs an upstream X-Api-Key`);
    const found = this.lookup(apiKey);
    if (!found) throw unauthorized(AuthErrorCode.invalidApiKey, 'the X-Api-Key is not known');
    if (!found.channels.includes(channel)) {
      throw forbidden(AuthErrorCode.channelNotAllowed, `the API key "${found.name}" is not allowed to submit on the ${channel} channel`);
    }
    return { kind: 'upstream', name: found.name, channels: found.channels };
  }

  /**
   * Known keys are remembered after their first check (a handful of upstream apps send thousands of
   * requests a second); unknown keys are hashed every time and never remembered.
   */
  private readonly verified = new Map<string, ApiKeyEntry>();

  private lookup(apiKey: string): ApiKeyEntry | undefined {
    const cached = this.verified.get(apiKey);
    if (cached) return cached;
    const digest = createHash('sha256').update(apiKey).digest();
    let found: ApiKeyEntry | undefined;
    for (const entry of this.apiKeys) {
      if (timingSafeEqual(entry.digest, digest)) found = entry;
    }
    if (found && this.verified.size < 1_000) this.verified.set(apiKey, found);
    return found;
  }
}
