/**
 * Every development-only secret, key and default, in one place. They are public (they are in the
 * repository), so nothing here is ever loaded unless `NODE_ENV=development` says so: a service
 * started without NODE_ENV refuses to start, and in production each of these values is refused.
 */
export const DEVELOPMENT = {
  /** HS256 user tokens signed with a secret everybody knows. */
  jwt: {
    secret: 'development-only-secret-change-me-0123456789',
    issuer: 'support-routing-dev',
    audience: 'support-intake',
  },
  /** The upstream API key of the phone desk app and the email gateway, and its SHA-256. */
  upstreamApiKey: 'dev-upstream-key',
  upstreamApiKeySha256: '01e5c3f5135d1eea114d68f72ef7b44618c8f003c4b969b0ace62aeee3b0eef6',
  /** Base64 of 32 known bytes: wraps history's per-subject keys. */
  historyMasterKey: Buffer.from('support-history-development-key!').toString('base64'),
  /** The local PostgreSQL server's superuser, without a password. */
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/support_routing',
  /** The SCRAM user of the local broker's SASL listener (tools/infra creates it). */
  kafkaScram: { username: 'support-local', password: 'development-only-scram-password' },
} as const;

/** `INTAKE_API_KEYS` in development: the development key, for the phone and email channels. */
export const DEVELOPMENT_API_KEYS = JSON.stringify([
  { name: 'dev-upstream', sha256: DEVELOPMENT.upstreamApiKeySha256, channels: ['phone', 'email'] },
]);
