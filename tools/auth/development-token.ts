/**
 * Development user tokens for the tools (`npm run token`, the agent client): HS256, signed as the
 * services accept them with NODE_ENV=development. Tests sign theirs with `userToken` from #testing.
 */
import { SignJWT } from 'jose';
import { DEVELOPMENT } from '../../libs/platform/src/development.js';

/** Long enough for a working day at the agent client. */
export const DEVELOPMENT_TOKEN_LIFETIME = '12h';

export interface DevelopmentTokenClaims {
  readonly sub: string;
  readonly org?: string;
  readonly roles?: readonly string[];
}

/** AUTH_JWT_SECRET, AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE, else the development values. */
export async function developmentToken(
  claims: DevelopmentTokenClaims,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const { sub, org, roles = [] } = claims;
  return new SignJWT({ ...(org === undefined ? {} : { org }), email: `${sub}@example.com`, name: sub, roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(env.AUTH_JWT_ISSUER ?? DEVELOPMENT.jwt.issuer)
    .setAudience(env.AUTH_JWT_AUDIENCE ?? DEVELOPMENT.jwt.audience)
    .setIssuedAt()
    .setExpirationTime(DEVELOPMENT_TOKEN_LIFETIME)
    .sign(new TextEncoder().encode(env.AUTH_JWT_SECRET ?? DEVELOPMENT.jwt.secret));
}
