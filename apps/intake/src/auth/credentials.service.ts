import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { CHANNELS } from '#contracts';
import type { Channel } from '#contracts';
import { IntakeConfig } from '../intake.config.js';
import { AuthErrorCode, forbidden, unauthorized } from './auth.errors.js';

/** A logged-in user, as the token says. */
export interface UserPrincipal {
  readonly kind: 'user';
  readonly userId: string;
  readonly orgId: string | null;
  readonly email: string | null;
  readonly name: string | null;
  readonly roles: readonly string[];
}

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
 * Verifies bearer tokens (algorithms pinned: HS256 with the development secret, or RS256/ES256
 * from the JWKS in production; issuer, audience and expiry always checked) and API keys (compared
 * by their SHA-256 in constant time).
 */
@Injectable()
export class CredentialsService {
  private readonly apiKeys: ApiKeyEntry[];
  private readonly jwks: JWTVerifyGetKey | undefined;
  private readonly secret: Uint8Array;

  constructor(private readonly config: IntakeConfig) {
    this.apiKeys = parseApiKeys(config.INTAKE_API_KEYS);
    this.jwks = config.AUTH_JWKS_URL ? createRemoteJWKSet(new URL(config.AUTH_JWKS_URL)) : undefined;
    this.secret = new TextEncoder().encode(config.AUTH_JWT_SECRET);
  }

  async verifyBearer(authorization: string | undefined): Promise<UserPrincipal> {
    if (!authorization) throw unauthorized(AuthErrorCode.missingCredentials, 'this channel needs a user bearer token (Authorization: Bearer <jwt>)');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw unauthorized(AuthErrorCode.invalidToken, 'the Authorization header must be "Bearer <jwt>"');
    let payload: JWTPayload;
    try {
      const options = { issuer: this.config.AUTH_JWT_ISSUER, audience: this.config.AUTH_JWT_AUDIENCE, requiredClaims: ['exp', 'sub'] };
      payload = this.jwks
        ? (await jwtVerify(match[1], this.jwks, { ...options, algorithms: ['RS256', 'ES256'] })).payload
        : (await jwtVerify(match[1], this.secret, { ...options, algorithms: ['HS256'] })).payload;
    } catch (error) {
      const reason = error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : 'verification failed';
      throw unauthorized(AuthErrorCode.invalidToken, `the bearer token was refused (${reason})`);
    }
    const claim = (name: string): string | null => (typeof payload[name] === 'string' && payload[name] ? payload[name] : null);
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((role): role is string => typeof role === 'string') : [];
    const userId = payload.sub;
    if (!userId) throw unauthorized(AuthErrorCode.invalidToken, 'the bearer token has no subject');
    return { kind: 'user', userId, orgId: claim('org'), email: claim('email'), name: claim('name'), roles };
  }

  verifyApiKey(apiKey: string | undefined, channel: Channel): UpstreamPrincipal {
    if (!apiKey) throw unauthorized(AuthErrorCode.missingCredentials, `the ${channel} channel needs an upstream X-Api-Key`);
    const digest = createHash('sha256').update(apiKey).digest();
    let found: ApiKeyEntry | undefined;
    for (const entry of this.apiKeys) {
      if (timingSafeEqual(entry.digest, digest)) found = entry;
    }
    if (!found) throw unauthorized(AuthErrorCode.invalidApiKey, 'the X-Api-Key is not known');
    if (!found.channels.includes(channel)) {
      throw forbidden(AuthErrorCode.channelNotAllowed, `the API key "${found.name}" is not allowed to submit on the ${channel} channel`);
    }
    return { kind: 'upstream', name: found.name, channels: found.channels };
  }
}
