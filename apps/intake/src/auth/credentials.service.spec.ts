import { createHash } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { ApplicationError, AuthErrorCode, TokenVerifier } from '#platform';
import { TEST_JWT, userToken } from '#testing';
import { loadIntakeConfig } from '../intake.config.js';
import type { IntakeConfig } from '../intake.config.js';
import { parseApiKeys } from './api-keys.js';
import { CredentialsService } from './credentials.service.js';

const PHONE_KEY = 'phone-desk-key-0001';
const GATEWAY_KEY = 'email-gateway-key-0002';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function intakeConfig(overrides: Partial<Record<keyof IntakeConfig, string>> = {}): IntakeConfig {
  return loadIntakeConfig({
    NODE_ENV: 'development',
    INTAKE_API_KEYS: JSON.stringify([
      { name: 'phone-desk-app', sha256: sha256(PHONE_KEY), channels: ['phone'] },
      { name: 'email-gateway', sha256: sha256(GATEWAY_KEY).toUpperCase(), channels: ['email', 'chat'] },
    ]),
    ...overrides,
  });
}

function credentials(config: IntakeConfig): CredentialsService {
  return new CredentialsService(config, new TokenVerifier(config.tokenVerifierOptions));
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Runs the call and returns the ApplicationError it must fail with. */
async function refusal(call: () => unknown): Promise<ApplicationError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof ApplicationError) return error;
    throw error;
  }
  throw new Error('expected the credentials to be refused, they were accepted');
}

describe(CredentialsService.name, () => {
  let sut: CredentialsService;

  beforeEach(() => {
    sut = credentials(intakeConfig());
  });

  describe('verifyBearer', () => {
    it('accepts a valid HS256 token and returns the principal from its claims', async () => {
      const token = await userToken({
        sub: 'user-42',
        org: 'org-7',
        email: 'user@example.org',
        name: 'Ada',
        roles: ['agent', 'auditor'],
      });

      const principal = await sut.verifyBearer(`Bearer ${token}`);

      expect(principal).toEqual({
        kind: 'user',
        userId: 'user-42',
        orgId: 'org-7',
        email: 'user@example.org',
        name: 'Ada',
        roles: ['agent', 'auditor'],
      });
    });

    it('accepts the scheme in any case', async () => {
      const token = await userToken({ sub: 'user-42' });

      const principal = await sut.verifyBearer(`bearer ${token}`);

      expect(principal.userId).toBe('user-42');
    });

    it('gives null for absent optional claims and no roles', async () => {
      const token = await userToken({ sub: 'user-42' });

      const principal = await sut.verifyBearer(`Bearer ${token}`);

      expect(principal).toEqual({ kind: 'user', userId: 'user-42', orgId: null, email: null, name: null, roles: [] });
    });

    it('keeps only string roles and ignores claims of the wrong type', async () => {
      const token = await new SignJWT({ sub: 'user-42', org: 42, email: '', roles: ['agent', 7, null, 'auditor'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(TEST_JWT.issuer)
        .setAudience(TEST_JWT.audience)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(TEST_JWT.secret));

      const principal = await sut.verifyBearer(`Bearer ${token}`);

      expect(principal).toMatchObject({ orgId: null, email: null, roles: ['agent', 'auditor'] });
    });

    test.each([
      { name: 'a missing header', header: undefined, code: AuthErrorCode.missingCredentials },
      { name: 'an empty header', header: '', code: AuthErrorCode.missingCredentials },
      { name: 'a Basic header', header: 'Basic dXNlcjpwYXNz', code: AuthErrorCode.invalidToken },
      { name: 'an API key in the Authorization header', header: PHONE_KEY, code: AuthErrorCode.invalidToken },
      { name: 'Bearer without a token', header: 'Bearer ', code: AuthErrorCode.invalidToken },
      { name: 'a token with a space in it', header: 'Bearer abc def', code: AuthErrorCode.invalidToken },
      { name: 'a token that is not a JWT', header: 'Bearer not-a-jwt', code: AuthErrorCode.invalidToken },
    ])('refuses $name with 401 $code', async ({ header, code }) => {
      const error = await refusal(() => sut.verifyBearer(header));

      expect(error).toMatchObject({ status: 401, code });
      expect(error.headers).toEqual({ 'www-authenticate': 'Bearer realm="support-routing"' });
    });

    it('refuses an unsigned token (alg none) with 401', async () => {
      const header = base64url({ alg: 'none', typ: 'JWT' });
      const payload = base64url({
        sub: 'admin',
        roles: ['auditor:global'],
        iss: TEST_JWT.issuer,
        aud: TEST_JWT.audience,
        iat: nowSeconds(),
        exp: nowSeconds() + 600,
      });

      const error = await refusal(() => sut.verifyBearer(`Bearer ${header}.${payload}.`));

      expect(error).toMatchObject({ status: 401, code: AuthErrorCode.invalidToken });
    });

    test.each([
      { name: 'a wrong audience', options: { audience: 'support-history' }, reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED' },
      {
        name: 'a wrong issuer',
        options: { issuer: 'https://attacker.example' },
        reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      },
      { name: 'an expired token', options: { expiresIn: '-1m' }, reason: 'ERR_JWT_EXPIRED' },
      {
        name: 'a wrong secret',
        options: { secret: 'another-secret-of-sufficient-length-0123456789' },
        reason: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      },
    ])('refuses $name with 401 and says why', async ({ options, reason }) => {
      const token = await userToken({ sub: 'user-42' }, options);

      const error = await refusal(() => sut.verifyBearer(`Bearer ${token}`));

      expect(error).toMatchObject({ status: 401, code: AuthErrorCode.invalidToken });
      expect(error.message).toContain(reason);
    });

    it('refuses a token that expired at an explicit time in the past', async () => {
      const token = await new SignJWT({ sub: 'user-42' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(TEST_JWT.issuer)
        .setAudience(TEST_JWT.audience)
        .setIssuedAt(nowSeconds() - 3_600)
        .setExpirationTime(nowSeconds() - 60)
        .sign(new TextEncoder().encode(TEST_JWT.secret));

      const error = await refusal(() => sut.verifyBearer(`Bearer ${token}`));

      expect(error).toMatchObject({ status: 401, code: AuthErrorCode.invalidToken });
    });

    test.each([
      { name: 'no expiry', build: (jwt: SignJWT) => jwt.setSubject('user-42') },
      { name: 'no subject', build: (jwt: SignJWT) => jwt.setExpirationTime('5m') },
    ])('refuses a token with $name', async ({ build }) => {
      const token = await build(
        new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(TEST_JWT.issuer).setAudience(TEST_JWT.audience),
      ).sign(new TextEncoder().encode(TEST_JWT.secret));

      const error = await refusal(() => sut.verifyBearer(`Bearer ${token}`));

      expect(error).toMatchObject({ status: 401, code: AuthErrorCode.invalidToken });
    });

    it('refuses an RS256-signed token when HS256 is configured (no algorithm confusion)', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const token = await new SignJWT({ sub: 'user-42' })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(TEST_JWT.issuer)
        .setAudience(TEST_JWT.audience)
        .setExpirationTime('5m')
        .sign(privateKey);

      const error = await refusal(() => sut.verifyBearer(`Bearer ${token}`));

      expect(error).toMatchObject({ status: 401, code: AuthErrorCode.invalidToken });
      expect(error.message).toContain('ERR_JOSE_ALG_NOT_ALLOWED');
    });

    it('refuses an HS256 token when a JWKS is configured, before fetching any key', async () => {
      const withJwks = credentials(intakeConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json' }));
      const token = await userToken({ sub: 'user-42' });

      const error = await refusal(() => withJwks.verifyBearer(`Bearer ${token}`));

      expect(error).toMatchObject({ status: 401, code: AuthErrorCode.invalidToken });
      expect(error.message).toContain('ERR_JOSE_ALG_NOT_ALLOWED');
    });
  });

  describe('verifyApiKey', () => {
    it('returns the upstream principal for a known key on an allowed channel', () => {
      const principal = sut.verifyApiKey(PHONE_KEY, 'phone');

      expect(principal).toEqual({ kind: 'upstream', name: 'phone-desk-app', channels: ['phone'] });
    });

    it('matches a digest configured in upper-case hex', () => {
      const principal = sut.verifyApiKey(GATEWAY_KEY, 'chat');

      expect(principal).toEqual({ kind: 'upstream', name: 'email-gateway', channels: ['email', 'chat'] });
    });

    test.each([
      { name: 'a missing key', key: undefined, code: AuthErrorCode.missingCredentials },
      { name: 'an empty key', key: '', code: AuthErrorCode.missingCredentials },
      { name: 'an unknown key', key: 'guessed-key', code: AuthErrorCode.invalidApiKey },
      { name: 'a known key with a trailing space', key: `${PHONE_KEY} `, code: AuthErrorCode.invalidApiKey },
      { name: 'the digest instead of the key', key: sha256(PHONE_KEY), code: AuthErrorCode.invalidApiKey },
    ])('refuses $name with 401 $code', async ({ key, code }) => {
      const error = await refusal(() => sut.verifyApiKey(key, 'phone'));

      expect(error).toMatchObject({ status: 401, code });
    });

    test.each([
      { key: PHONE_KEY, channel: 'email', name: 'phone-desk-app' },
      { key: PHONE_KEY, channel: 'form', name: 'phone-desk-app' },
      { key: GATEWAY_KEY, channel: 'phone', name: 'email-gateway' },
    ] as const)('refuses the $name key on the $channel channel with 403', async ({ key, channel, name }) => {
      const error = await refusal(() => sut.verifyApiKey(key, channel));

      expect(error).toMatchObject({ status: 403, code: AuthErrorCode.channelNotAllowed });
      expect(error.message).toContain(name);
      expect(error.message).toContain(channel);
    });
  });
});

describe(parseApiKeys.name, () => {
  const digest = sha256('some-key');

  it('parses entries into names, binary digests and channels', () => {
    const sut = parseApiKeys(JSON.stringify([{ name: 'gateway', sha256: digest, channels: ['email'] }]));

    expect(sut).toHaveLength(1);
    expect(sut[0]?.name).toBe('gateway');
    expect(sut[0]?.channels).toEqual(['email']);
    expect(sut[0]?.digest.equals(Buffer.from(digest, 'hex'))).toBe(true);
    expect(sut[0]?.digest).toHaveLength(32);
  });

  it('accepts an empty list', () => {
    const sut = parseApiKeys('[]');

    expect(sut).toEqual([]);
  });

  test.each([
    {
      name: 'an object instead of an array',
      json: JSON.stringify({ name: 'x', sha256: digest, channels: ['email'] }),
      message: 'INTAKE_API_KEYS must be a JSON array',
    },
    {
      name: 'a missing name',
      json: JSON.stringify([{ sha256: digest, channels: ['email'] }]),
      message: 'INTAKE_API_KEYS[0].name is missing',
    },
    {
      name: 'an empty name',
      json: JSON.stringify([{ name: '', sha256: digest, channels: ['email'] }]),
      message: 'INTAKE_API_KEYS[0].name is missing',
    },
    {
      name: 'a numeric name',
      json: JSON.stringify([{ name: 7, sha256: digest, channels: ['email'] }]),
      message: 'INTAKE_API_KEYS[0].name is missing',
    },
    {
      name: 'a missing sha256',
      json: JSON.stringify([{ name: 'x', channels: ['email'] }]),
      message: 'INTAKE_API_KEYS[0].sha256 must be 64 hex characters',
    },
    {
      name: 'a short sha256',
      json: JSON.stringify([{ name: 'x', sha256: digest.slice(1), channels: ['email'] }]),
      message: 'INTAKE_API_KEYS[0].sha256 must be 64 hex characters',
    },
    {
      name: 'a non-hex sha256',
      json: JSON.stringify([{ name: 'x', sha256: `${digest.slice(1)}g`, channels: ['email'] }]),
      message: 'INTAKE_API_KEYS[0].sha256 must be 64 hex characters',
    },
    {
      name: 'a key in clear instead of its digest',
      json: JSON.stringify([{ name: 'x', sha256: 'dev-upstream-key', channels: ['email'] }]),
      message: 'INTAKE_API_KEYS[0].sha256 must be 64 hex characters',
    },
    {
      name: 'missing channels',
      json: JSON.stringify([{ name: 'x', sha256: digest }]),
      message: 'INTAKE_API_KEYS[0].channels must list channels among chat, form, phone, email',
    },
    {
      name: 'no channels',
      json: JSON.stringify([{ name: 'x', sha256: digest, channels: [] }]),
      message: 'INTAKE_API_KEYS[0].channels must list channels',
    },
    {
      name: 'an unknown channel',
      json: JSON.stringify([{ name: 'x', sha256: digest, channels: ['email', 'fax'] }]),
      message: 'INTAKE_API_KEYS[0].channels must list channels',
    },
    {
      name: 'channels as a string',
      json: JSON.stringify([{ name: 'x', sha256: digest, channels: 'email' }]),
      message: 'INTAKE_API_KEYS[0].channels must list channels',
    },
    {
      name: 'a bad second entry',
      json: JSON.stringify([
        { name: 'x', sha256: digest, channels: ['email'] },
        { name: 'y', sha256: digest, channels: ['sms'] },
      ]),
      message: 'INTAKE_API_KEYS[1].channels must list channels',
    },
  ])('refuses $name with a message naming the entry and field', ({ json, message }) => {
    expect(() => parseApiKeys(json)).toThrow(message);
  });

  it('refuses an entry that is a string instead of an object', () => {
    expect(() => parseApiKeys('["dev-upstream-key"]')).toThrow('INTAKE_API_KEYS[0] must be an object');
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseApiKeys('name=x')).toThrow(SyntaxError);
  });
});

describe('parseApiKeys with a null entry', () => {
  it('refuses it with a clear message', () => {
    expect(() => parseApiKeys('[null]')).toThrow('INTAKE_API_KEYS[0]');
  });
});
