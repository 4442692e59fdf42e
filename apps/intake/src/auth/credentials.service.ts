import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Channel } from '#contracts';
import { AuthErrorCode, TokenVerifier, forbidden, unauthorized } from '#platform';
import type { UserPrincipal } from '#platform';
import { IntakeConfig } from '../intake.config.js';
import { parseApiKeys } from './api-keys.js';
import type { ApiKeyEntry } from './api-keys.js';

export type { UserPrincipal } from '#platform';

/** An upstream app (phone desk app, email gateway) identified by its API key. */
export interface UpstreamPrincipal {
  readonly kind: 'upstream';
  readonly name: string;
  readonly channels: readonly Channel[];
}

/**
 * Identifies callers: user bearer tokens (through the shared TokenVerifier: pinned algorithms,
 * issuer, audience and expiry checked) and upstream API keys (compared by their SHA-256 in
 * constant time).
 */
@Injectable()
export class CredentialsService {
  private readonly apiKeys: ApiKeyEntry[];

  constructor(
    config: IntakeConfig,
    private readonly tokens: TokenVerifier,
  ) {
    this.apiKeys = parseApiKeys(config.INTAKE_API_KEYS);
  }

  verifyBearer(authorization: string | undefined): Promise<UserPrincipal> {
    return this.tokens.verify(authorization);
  }

  verifyApiKey(apiKey: string | undefined, channel: Channel): UpstreamPrincipal {
    if (!apiKey)
      throw unauthorized(AuthErrorCode.missingCredentials, `the ${channel} channel needs an upstream X-Api-Key`);
    const found = this.lookup(apiKey);
    if (!found) throw unauthorized(AuthErrorCode.invalidApiKey, 'the X-Api-Key is not known');
    if (!found.channels.includes(channel)) {
      throw forbidden(
        AuthErrorCode.channelNotAllowed,
        `the API key "${found.name}" is not allowed to submit on the ${channel} channel`,
      );
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
