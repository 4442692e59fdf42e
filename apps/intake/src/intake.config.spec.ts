import { createHash } from 'node:crypto';
import { DEVELOPMENT, DEVELOPMENT_API_KEYS } from '#platform';
import { loadIntakeConfig } from './intake.config.js';
import { configProblems } from '#testing';

const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://intake:secret@db.internal:5432/support',
  AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
  AUTH_JWT_ISSUER: 'https://idp.example.com',
  AUTH_JWT_AUDIENCE: 'support',
  INTAKE_API_KEYS: JSON.stringify([
    { name: 'phone-desk-app', sha256: createHash('sha256').update('a real key').digest('hex'), channels: ['phone'] },
  ]),
} as const;

const problemsOf = (env: NodeJS.ProcessEnv): string[] => configProblems(loadIntakeConfig, env);

describe(loadIntakeConfig.name, () => {
  it('refuses to start without NODE_ENV, with one problem naming it', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^NODE_ENV: not set/)]);
  });

  it('takes the development secret and key only with NODE_ENV=development', () => {
    const sut = loadIntakeConfig({ NODE_ENV: 'development' });

    expect(sut.AUTH_JWT_SECRET).toBe(DEVELOPMENT.jwt.secret);
    expect(sut.INTAKE_API_KEYS).toBe(DEVELOPMENT_API_KEYS);
    expect(sut.DATABASE_URL).toBe(DEVELOPMENT.databaseUrl);
  });

  it('starts in production with its own keys and identity provider, and no development value', () => {
    const sut = loadIntakeConfig(PRODUCTION);

    expect(sut.AUTH_JWT_SECRET).toBe('');
    expect(sut.INTAKE_API_KEYS).toBe(PRODUCTION.INTAKE_API_KEYS);
  });

  test.each([
    ['an empty INTAKE_API_KEYS', '', 'INTAKE_API_KEYS: must list the upstream keys in production (none given)'],
    ['a blank INTAKE_API_KEYS', '   ', 'INTAKE_API_KEYS: not valid JSON'],
    ['an empty list', '[]', 'INTAKE_API_KEYS: must list the upstream keys in production (none given)'],
    ['the development key', DEVELOPMENT_API_KEYS, 'INTAKE_API_KEYS: the development key is refused in production'],
    [
      'the development key among others',
      JSON.stringify([
        ...(JSON.parse(PRODUCTION.INTAKE_API_KEYS) as unknown[]),
        { name: 'other', sha256: DEVELOPMENT.upstreamApiKeySha256, channels: ['email'] },
      ]),
      'INTAKE_API_KEYS: the development key is refused in production',
    ],
  ])('refuses %s in production', (_name, keys, problem) => {
    expect(problemsOf({ ...PRODUCTION, INTAKE_API_KEYS: keys })).toEqual([problem]);
  });

  it('refuses two keys of the same name, which would share one identity', () => {
    const digest = (text: string): string => createHash('sha256').update(text).digest('hex');
    const keys = JSON.stringify([
      { name: 'gateway', sha256: digest('one'), channels: ['email'] },
      { name: 'gateway', sha256: digest('two'), channels: ['phone'] },
    ]);

    expect(problemsOf({ NODE_ENV: 'development', INTAKE_API_KEYS: keys })).toEqual([
      'INTAKE_API_KEYS[1].name "gateway" is used by another entry: names must be unique',
    ]);
  });

  it('refuses the development secret and an http key set in production', () => {
    expect(
      problemsOf({
        ...PRODUCTION,
        AUTH_JWT_SECRET: DEVELOPMENT.jwt.secret,
        AUTH_JWKS_URL: 'http://idp.example.com/jwks',
      }),
    ).toEqual([
      'AUTH_JWKS_URL: must be an https:// URL in production',
      'AUTH_JWT_SECRET: the development secret is refused in production',
    ]);
  });

  it('takes a reopen window of 7 days by default, and refuses one that is not a whole number of days', () => {
    expect(loadIntakeConfig({ NODE_ENV: 'development' }).REOPEN_WINDOW_DAYS).toBe(7);
    expect(loadIntakeConfig({ NODE_ENV: 'development', REOPEN_WINDOW_DAYS: '30' }).REOPEN_WINDOW_DAYS).toBe(30);
    expect(problemsOf({ NODE_ENV: 'development', REOPEN_WINDOW_DAYS: '1.5' })).toEqual([
      'REOPEN_WINDOW_DAYS: REOPEN_WINDOW_DAYS must be an integer number',
    ]);
    expect(problemsOf({ NODE_ENV: 'development', REOPEN_WINDOW_DAYS: '-1' })).toEqual([
      'REOPEN_WINDOW_DAYS: REOPEN_WINDOW_DAYS must not be less than 0',
    ]);
  });
});
