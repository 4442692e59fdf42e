import { DEVELOPMENT } from '#platform';
import { HISTORY_APP_ROLE, loadHistoryConfig } from './history.config.js';
import { configProblems } from '#testing';

const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://history_owner:secret@db.internal:5432/support',
  HISTORY_APP_DATABASE_URL: `postgres://${HISTORY_APP_ROLE}:other@db.internal:5432/support`,
  HISTORY_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
  AUTH_JWT_ISSUER: 'https://idp.example.com',
  AUTH_JWT_AUDIENCE: 'support',
} as const;

const problemsOf = (env: NodeJS.ProcessEnv): string[] => configProblems(loadHistoryConfig, env);

describe(loadHistoryConfig.name, () => {
  it('refuses to start without NODE_ENV: nobody can mint an auditor token with the public secret', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^NODE_ENV: not set/)]);
  });

  it('loads the development secret and master key only with NODE_ENV=development', () => {
    const sut = loadHistoryConfig({ NODE_ENV: 'development' });

    expect(sut.AUTH_JWT_SECRET).toBe(DEVELOPMENT.jwt.secret);
    expect(sut.HISTORY_MASTER_KEY).toBe(DEVELOPMENT.historyMasterKey);
    expect(new URL(sut.appDatabaseUrl).username).toBe(HISTORY_APP_ROLE);
  });

  it('starts in production with its own settings', () => {
    expect(problemsOf(PRODUCTION)).toEqual([]);
  });

  it('with NODE_ENV set to anything else, loads nothing of development', () => {
    expect(problemsOf({ NODE_ENV: 'staging' })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^HISTORY_MASTER_KEY: /),
        expect.stringMatching(/^DATABASE_URL: /),
        'AUTH_JWKS_URL: must be set in production (HS256 development tokens are refused)',
      ]),
    );
  });

  it('refuses the development master key in production', () => {
    expect(problemsOf({ ...PRODUCTION, HISTORY_MASTER_KEY: DEVELOPMENT.historyMasterKey })).toEqual([
      'HISTORY_MASTER_KEY: the development key is refused in production',
    ]);
  });

  it('refuses a service login that is the owner in production (it could drop the append-only guards)', () => {
    expect(problemsOf({ ...PRODUCTION, HISTORY_APP_DATABASE_URL: PRODUCTION.DATABASE_URL })).toEqual([
      'HISTORY_APP_DATABASE_URL: must log in as another user than DATABASE_URL (the owner could drop the append-only guards)',
    ]);
    expect(problemsOf({ ...PRODUCTION, HISTORY_APP_DATABASE_URL: '' })).toEqual([
      expect.stringMatching(/^HISTORY_APP_DATABASE_URL: required in production/),
    ]);
  });
});
