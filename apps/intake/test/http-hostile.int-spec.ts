import { SignJWT, generateKeyPair } from 'jose';
import { ServiceProcess, TEST_JWT, testBrokers, testDatabaseUrl, userToken } from '#testing';
import { GATEWAY_KEY, PHONE_KEY, TEST_API_KEYS } from './intake.fixtures.js';
import type { Problem } from './intake.fixtures.js';

interface HostileCase {
  readonly name: string;
  /** Raw bytes or text of the body; objects are JSON-encoded. */
  readonly body: unknown;
  readonly raw?: boolean;
  readonly headers?: Record<string, string>;
  /** 'gateway' (email key), 'phone' (phone key), 'user' (bearer token), or none. */
  readonly auth?: 'gateway' | 'phone' | 'user' | 'none';
  readonly status: number;
  /** A field the problem must name, when the failure is about one. */
  readonly field?: string;
}

const email = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  channel: 'email',
  message: 'Do you provide a DPA template?',
  requester: { email: 'someone@example.org' },
  ...overrides,
});

const nested = (depth: number): unknown => {
  let value: unknown = 'x';
  for (let level = 0; level < depth; level += 1) value = { next: value };
  return value;
};

const CASES: readonly HostileCase[] = [
  { name: 'an array', body: [], status: 400 },
  { name: 'a string', body: 'hello', status: 400 },
  { name: 'a number', body: 42, status: 400 },
  { name: 'null', body: null, status: 400 },
  { name: 'an empty object', body: {}, status: 400, field: 'channel' },
  { name: 'an unknown channel', body: email({ channel: 'sms' }), status: 400, field: 'channel' },
  { name: 'a numeric channel', body: email({ channel: 3 }), status: 400, field: 'channel' },
  { name: 'no message', body: email({ message: undefined }), status: 400, field: 'message' },
  { name: 'an empty message', body: email({ message: '' }), status: 400, field: 'message' },
  {
    name: 'a message of 10,001 characters',
    body: email({ message: 'a'.repeat(10_001) }),
    status: 400,
    field: 'message',
  },
  { name: 'a subject of 201 characters', body: email({ subject: 's'.repeat(201) }), status: 400, field: 'subject' },
  { name: 'a numeric message', body: email({ message: 12 }), status: 400, field: 'message' },
  { name: 'a boolean message', body: email({ message: true }), status: 400, field: 'message' },
  { name: 'an array subject', body: email({ subject: ['a'] }), status: 400, field: 'subject' },
  { name: 'an unknown urgency', body: email({ urgency: 'urgent' }), status: 400, field: 'urgency' },
  { name: 'an unknown locale', body: email({ locale: 'de' }), status: 400, field: 'locale' },
  { name: 'an unknown field', body: email({ priority: 'P1' }), status: 400, field: 'priority' },
  { name: 'an unknown request type', body: email({ requestType: 'question' }), status: 400, field: 'requestType' },
  {
    name: 'a form without request type',
    body: { channel: 'form', message: 'Export fails' },
    auth: 'user',
    status: 400,
    field: 'requestType',
  },
  {
    name: 'workspace consent on email',
    body: email({ allowWorkspaceTesting: false }),
    status: 400,
    field: 'allowWorkspaceTesting',
  },
  {
    name: 'a textual workspace consent on form',
    body: { channel: 'form', requestType: 'bug', message: 'x', allowWorkspaceTesting: 'yes' },
    auth: 'user',
    status: 400,
    field: 'allowWorkspaceTesting',
  },
  { name: 'email without requester', body: email({ requester: undefined }), status: 400, field: 'requester' },
  {
    name: 'an invalid requester email',
    body: email({ requester: { email: 'not-an-email' } }),
    status: 400,
    field: 'requester.email',
  },
  {
    name: 'a requester that is a string',
    body: email({ requester: 'someone@example.org' }),
    status: 400,
    field: 'requester',
  },
  {
    name: 'an unknown requester field',
    body: email({ requester: { email: 'a@example.org', role: 'admin' } }),
    status: 400,
    field: 'requester.role',
  },
  {
    name: 'a requester name of 201 characters',
    body: email({ requester: { email: 'a@example.org', name: 'n'.repeat(201) } }),
    status: 400,
    field: 'requester.name',
  },
  {
    name: 'a requester on chat (identity comes from the token)',
    body: { channel: 'chat', message: 'hi', requester: { email: 'x@example.org' } },
    auth: 'user',
    status: 400,
    field: 'requester',
  },
  {
    name: 'a __proto__ key',
    body: '{"channel":"email","message":"x","requester":{"email":"a@example.org"},"__proto__":{"admin":true}}',
    raw: true,
    status: 400,
    field: '__proto__',
  },
  {
    name: 'a constructor key',
    body: email({ constructor: { prototype: { polluted: true } } }),
    status: 400,
    field: 'constructor',
  },
  {
    name: 'a nested __proto__ key',
    body: '{"channel":"email","message":"x","requester":{"email":"a@example.org","__proto__":{"x":1}}}',
    raw: true,
    status: 400,
    field: 'requester.__proto__',
  },
  { name: 'deep nesting (50 levels)', body: email({ extra: nested(50) }), status: 400 },
  {
    name: 'very deep array nesting (5,000 levels)',
    body: `{"channel":"email","message":"x","a":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    raw: true,
    status: 400,
  },
  {
    name: 'a huge number as message',
    body: '{"channel":"email","message":1e400,"requester":{"email":"a@example.org"}}',
    raw: true,
    status: 400,
    field: 'message',
  },
  {
    name: 'a huge number as urgency',
    body: '{"channel":"email","message":"x","urgency":123456789012345678901234567890,"requester":{"email":"a@example.org"}}',
    raw: true,
    status: 400,
    field: 'urgency',
  },
  {
    name: 'invalid UTF-8 bytes',
    body: Buffer.concat([Buffer.from('{"channel":"email","message":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
    raw: true,
    status: 400,
  },
  {
    name: 'an overlong UTF-8 encoding',
    body: Buffer.concat([Buffer.from('{"channel":"email","message":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    raw: true,
    status: 400,
  },
  {
    name: 'a lone UTF-16 surrogate',
    body: '{"channel":"email","message":"\\ud800","requester":{"email":"a@example.org"}}',
    raw: true,
    status: 400,
    field: 'message',
  },
  { name: 'a trailing comma', body: '{"channel":"email",}', raw: true, status: 400 },
  { name: 'truncated JSON', body: '{"channel":"em', raw: true, status: 400 },
  { name: 'an empty body', body: '', raw: true, status: 400 },
  { name: 'a message that is only HTML tags', body: email({ message: '<p><br></p>' }), status: 400, field: 'message' },
  { name: 'a body over 64 KiB', body: email({ message: 'a'.repeat(70_000) }), status: 413 },
  {
    name: 'a text/plain body',
    body: 'channel=email',
    raw: true,
    headers: { 'content-type': 'text/plain' },
    status: 415,
  },
  {
    name: 'a form-urlencoded body',
    body: 'channel=email&message=x',
    raw: true,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
  },
  { name: 'an XML body', body: '<request/>', raw: true, headers: { 'content-type': 'application/xml' }, status: 415 },
  { name: 'email with a user token instead of an API key', body: email(), auth: 'user', status: 401 },
  { name: 'email with the phone app key', body: email(), auth: 'phone', status: 403 },
  { name: 'phone with the email gateway key', body: email({ channel: 'phone' }), auth: 'gateway', status: 403 },
  {
    name: 'email with an unknown API key',
    body: email(),
    headers: { 'x-api-key': 'guessed-key' },
    auth: 'none',
    status: 401,
  },
  { name: 'chat without a token', body: { channel: 'chat', message: 'hi' }, auth: 'none', status: 401 },
  {
    name: 'an Idempotency-Key of 300 characters',
    body: email(),
    headers: { 'idempotency-key': 'k'.repeat(300) },
    status: 400,
    field: 'Idempotency-Key',
  },
  {
    name: 'an Idempotency-Key with spaces',
    body: email(),
    headers: { 'idempotency-key': 'my key' },
    status: 400,
    field: 'Idempotency-Key',
  },
];

describe('POST /v1/requests with malformed or hostile input', () => {
  let intake: ServiceProcess;
  let token: string;

  beforeAll(async () => {
    intake = new ServiceProcess('intake', {
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: testDatabaseUrl(),
      INTAKE_API_KEYS: TEST_API_KEYS,
    });
    await intake.start();
    token = await userToken({ sub: 'user-hostile', org: 'org-1' });
  });

  afterAll(async () => {
    await intake?.stop();
  });

  it(`covers at least 40 cases`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('answers $status problem+json to $name', async (testCase) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...testCase.headers };
    const auth = testCase.auth ?? 'gateway';
    if (auth === 'gateway') headers['x-api-key'] ??= GATEWAY_KEY;
    if (auth === 'phone') headers['x-api-key'] ??= PHONE_KEY;
    if (auth === 'user') headers.authorization = `Bearer ${token}`;
    const body = testCase.raw ? (testCase.body as string | Buffer) : JSON.stringify(testCase.body);

    const response = await fetch(`${intake.url}/v1/requests`, { method: 'POST', headers, body });

    expect(response.status).toBe(testCase.status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as Problem;
    expect(problem.status).toBe(testCase.status);
    expect(problem.code).toMatch(/^[A-Z_]+$/);
    expect(JSON.stringify(problem)).not.toMatch(/\bat .+\.(js|ts):\d+/);
    if (testCase.field !== undefined) expect(problem.errors?.map((error) => error.field)).toContain(testCase.field);
  });

  it('leaves Object.prototype untouched', () => {
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  describe('bearer tokens', () => {
    const chat = JSON.stringify({ channel: 'chat', message: 'hello' });
    const post = (authorization: string): Promise<Response> =>
      fetch(`${intake.url}/v1/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: chat,
      });
    const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

    it.each([
      {
        name: 'alg none',
        token: async () =>
          `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'u', iss: TEST_JWT.issuer, aud: TEST_JWT.audience, exp: Math.floor(Date.now() / 1000) + 600 })}.`,
      },
      { name: 'wrong audience', token: () => userToken({ sub: 'u' }, { audience: 'another-api' }) },
      { name: 'wrong issuer', token: () => userToken({ sub: 'u' }, { issuer: 'someone-else' }) },
      { name: 'expired', token: () => userToken({ sub: 'u' }, { expiresIn: '-1m' }) },
      {
        name: 'wrong key',
        token: () => userToken({ sub: 'u' }, { secret: 'another-secret-another-secret-0123456789' }),
      },
      {
        name: 'RS256 instead of HS256 (algorithm confusion)',
        token: async () => {
          const { privateKey } = await generateKeyPair('RS256');
          return new SignJWT({})
            .setProtectedHeader({ alg: 'RS256' })
            .setSubject('u')
            .setIssuer(TEST_JWT.issuer)
            .setAudience(TEST_JWT.audience)
            .setExpirationTime('5m')
            .sign(privateKey);
        },
      },
    ])('refuses a token with $name: 401', async ({ token: make }) => {
      const response = await post(`Bearer ${await make()}`);

      expect(response.status).toBe(401);
      expect(((await response.json()) as Problem).code).toBe('AUTH_INVALID_TOKEN');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('accepts a valid token and answers 202', async () => {
      const response = await post(`Bearer ${token}`);

      expect(response.status).toBe(202);
    });
  });

  it('sends security headers', async () => {
    const response = await fetch(`${intake.url}/health/live`);

    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('publishes its OpenAPI document with an example per channel and one of a follow-up', async () => {
    const response = await fetch(`${intake.url}/docs/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<
        string,
        { post?: { requestBody?: { content: Record<string, { examples?: Record<string, unknown> }> } } }
      >;
    };

    const examples = document.paths['/v1/requests']?.post?.requestBody?.content['application/json']?.examples ?? {};
    expect(Object.keys(examples).sort()).toEqual(['chat', 'email', 'followUp', 'form', 'phone']);
  });
});
