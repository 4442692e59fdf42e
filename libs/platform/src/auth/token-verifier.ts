import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { ApplicationError } from '../problem.js';

export const AuthErrorCode = {
  missingCredentials: 'AUTH_MISSING_CREDENTIALS',
  invalidToken: 'AUTH_INVALID_TOKEN',
  invalidApiKey: 'AUTH_INVALID_API_KEY',
  channelNotAllowed: 'AUTH_CHANNEL_NOT_ALLOWED',
  missingRole: 'AUTH_MISSING_ROLE',
} as const;

export function unauthorized(code: string, message: string): ApplicationError {
  return new ApplicationError(code, 401, message, undefined, { 'www-authenticate': 'Bearer realm="support-routing"' });
}

export function forbidden(code: string, message: string): ApplicationError {
  return new ApplicationError(code, 403, message);
}

/** A logged-in person, as their token says. */
export interface UserPrincipal {
  readonly kind: 'user';
  readonly userId: string;
  readonly orgId: string | null;
  readonly email: string | null;
  readonly name: string | null;
  readonly roles: readonly string[];
}

export interface TokenVerifierOptions {
  /** HS256 secret (development); ignored when a JWKS URL is given. */
  readonly secret: string;
  readonly issuer: string;
  readonly audience: string;
  /** RS256/ES256 keys (production). */
  readonly jwksUrl?: string;
}

/**
 * Verifies bearer tokens with pinned algorithms (HS256 with the development secret, or RS256/ES256
 * from the JWKS in production); issuer, audience, expiry and subject are always required.
 */
export class TokenVerifier {
  private readonly jwks: JWTVerifyGetKey | undefined;
  private readonly secret: Uint8Array;

  constructor(private readonly options: TokenVerifierOptions) {
    this.jwks = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined;
    this.secret = new TextEncoder().encode(options.secret);
  }

  async verify(authorization: string | undefined): Promise<UserPrincipal> {
    if (!authorization)
      throw unauthorized(
        AuthErrorCode.missingCredentials,
        'a user bearer token is required (Authorization: Bearer <jwt>)',
      );
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw unauthorized(AuthErrorCode.invalidToken, 'the Authorization header must be "Bearer <jwt>"');
    let payload: JWTPayload;
    try {
      const checks = { issuer: this.options.issuer, audience: this.options.audience, requiredClaims: ['exp', 'sub'] };
      payload = this.jwks
        ? (await jwtVerify(match[1], this.jwks, { ...checks, algorithms: ['RS256', 'ES256'] })).payload
        : (await jwtVerify(match[1], this.secret, { ...checks, algorithms: ['HS256'] })).payload;
    } catch (error) {
      const reason =
        error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : 'verification failed';
      throw unauthorized(AuthErrorCode.invalidToken, `the bearer token was refused (${reason})`);
    }
    const claim = (name: string): string | null =>
      typeof payload[name] === 'string' && payload[name] ? payload[name] : null;
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((role): role is string => typeof role === 'string')
      : [];
    const userId = payload.sub;
    if (!userId) throw unauthorized(AuthErrorCode.invalidToken, 'the bearer token has no subject');
    return { kind: 'user', userId, orgId: claim('org'), email: claim('email'), name: claim('name'), roles };
  }

  /** Verifies the token and requires one of the roles (403 when the token is good but the role is missing). */
  async requireRole(authorization: string | undefined, ...roles: readonly string[]): Promise<UserPrincipal> {
    const principal = await this.verify(authorization);
    if (!roles.some((role) => principal.roles.includes(role))) {
      throw forbidden(AuthErrorCode.missingRole, `this needs the role ${roles.join(' or ')}`);
    }
    return principal;
  }
}
