import { SignJWT } from 'jose';

export const TEST_JWT = { secret: 'development-only-secret-change-me-0123456789', issuer: 'support-routing-dev', audience: 'support-intake' } as const;

/** The development upstream key (its SHA-256 is the default INTAKE_API_KEYS entry). */
export const DEV_UPSTREAM_KEY = 'dev-upstream-key';

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
