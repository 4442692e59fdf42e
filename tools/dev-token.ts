/**
 * Prints a development user token (HS256 with AUTH_JWT_SECRET) for trying the chat and form
 * channels locally: node dist/tools/dev-token.js [sub] [org] [roles,comma,separated]
 */
import { SignJWT } from 'jose';
import { DEVELOPMENT } from '../libs/platform/src/development.js';

const [sub = 'user-1', org = 'org-1', roles = ''] = process.argv.slice(2);
const secret = process.env.AUTH_JWT_SECRET ?? DEVELOPMENT.jwt.secret;
const token = await new SignJWT({ org, email: `${sub}@example.com`, name: sub, roles: roles ? roles.split(',') : [] })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(sub)
  .setIssuer(process.env.AUTH_JWT_ISSUER ?? DEVELOPMENT.jwt.issuer)
  .setAudience(process.env.AUTH_JWT_AUDIENCE ?? DEVELOPMENT.jwt.audience)
  .setIssuedAt()
  .setExpirationTime('12h')
  .sign(new TextEncoder().encode(secret));
process.stdout.write(`${token}\n`);
