import { SignJWT } from 'jose';
import { DEVELOPMENT } from '#platform';

/** Tests sign tokens as development does (the services under test run with NODE_ENV=development). */
export const TEST_JWT = DEVELOPMENT.jwt;

/** The development upstream key (its SHA-256 is the development INTAKE_API_KEYS entry). */
export const DEV_UPSTREAM_KEY = DEVELOPMENT.upstreamApiKey;

export interface TokenClaims {
  sub: string;
  org?: string;
  email?: string;
  name?: string;
  roles?: string[];
}

export async function userToken(
  claims: TokenClaims,
  options: { secret?: string; issuer?: string; audience?: string; expiresIn?: string } = {},
): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer ?? TEST_JWT.issuer)
    .setAudience(options.audience ?? TEST_JWT.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m')
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT.secret));
}
