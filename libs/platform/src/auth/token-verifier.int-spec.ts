import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey } from 'jose';
import { TokenVerifier } from './token-verifier.js';

const ISSUER = 'https://login.example.test';
const AUDIENCE = 'support-intake';

/** Production mode: keys come from a JWKS endpoint (served here by a real HTTP server). */
describe(`${TokenVerifier.name} with a JWKS`, () => {
  let server: Server;
  let sut: TokenVerifier;
  let rsaKey: CryptoKey;
  let ecKey: CryptoKey;

  beforeAll(async () => {
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    rsaKey = rsa.privateKey;
    ecKey = ec.privateKey;
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    sut = new TokenVerifier({
      secret: 'unused-in-production-unused-in-production',
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  const sign = (
    key: CryptoKey | Uint8Array,
    alg: string,
    kid: string,
    claims: Record<string, unknown> = {},
  ): Promise<string> =>
    new SignJWT({ org: 'org-9', roles: ['phone-desk'], ...claims })
      .setProtectedHeader({ alg, kid })
      .setSubject('user-9')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(key);

  it.each([
    { alg: 'RS256', kid: 'rsa-1' },
    { alg: 'ES256', kid: 'ec-1' },
  ])('accepts a $alg token signed by a key of the set', async ({ alg, kid }) => {
    const principal = await sut.verify(`Bearer ${await sign(alg === 'RS256' ? rsaKey : ecKey, alg, kid)}`);

    expect(principal).toMatchObject({ userId: 'user-9', orgId: 'org-9', roles: ['phone-desk'] });
  });

  it('refuses an HS256 token, even one signed with the development secret', async () => {
    const token = await sign(new TextEncoder().encode('unused-in-production-unused-in-production'), 'HS256', 'rsa-1');

    await expect(sut.verify(`Bearer ${token}`)).rejects.toMatchObject({ status: 401, code: 'AUTH_INVALID_TOKEN' });
  });

  it('refuses a token signed by a key outside the set', async () => {
    const { privateKey } = await generateKeyPair('RS256');

    await expect(sut.verify(`Bearer ${await sign(privateKey, 'RS256', 'rsa-1')}`)).rejects.toMatchObject({
      status: 401,
    });
  });

  it('tells a missing role (403) from a bad token (401)', async () => {
    const token = await sign(rsaKey, 'RS256', 'rsa-1', { roles: ['agent'] });

    await expect(sut.requireRole(`Bearer ${token}`, 'phone-desk')).rejects.toMatchObject({
      status: 403,
      code: 'AUTH_MISSING_ROLE',
    });
  });
});
