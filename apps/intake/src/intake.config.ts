import { IsIn, IsInt, IsString, Max, Min } from 'class-validator';
import { DatabaseServiceConfig, loadConfig } from '#platform';

/** sha256 of `dev-upstream-key`: the development key of the phone desk app and the email gateway. */
export const DEV_API_KEYS = JSON.stringify([
  { name: 'dev-upstream', sha256: '01e5c3f5135d1eea114d68f72ef7b44618c8f003c4b969b0ace62aeee3b0eef6', channels: ['phone', 'email'] },
]);

export class IntakeConfig extends DatabaseServiceConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  @IsInt()
  @Min(0)
  @Max(65535)
  INTAKE_PORT = 3001;

  /** HS256 secret for user tokens in development; empty in production, where AUTH_JWKS_URL is used. */
  @IsString()
  AUTH_JWT_SECRET = 'development-only-secret-change-me-0123456789';

  @IsString()
  AUTH_JWT_ISSUER = 'support-routing-dev';

  @IsString()
  AUTH_JWT_AUDIENCE = 'support-intake';

  @IsString()
  AUTH_JWKS_URL = '';

  /** JSON array of {name, sha256, channels}; the keys themselves are never configured in clear. */
  @IsString()
  INTAKE_API_KEYS = DEV_API_KEYS;

  /** Longest wait for Kafka's acknowledgement before answering 503. */
  @IsInt()
  @Min(100)
  INTAKE_PUBLISH_TIMEOUT_MS = 5000;

  @IsInt()
  @Min(0)
  @Max(100)
  KAFKA_LINGER_MS = 2;

  /** How long an Idempotency-Key is remembered (its ticket id stays derived from it for ever). */
  @IsInt()
  @Min(1)
  INTAKE_IDEMPOTENCY_TTL_HOURS = 24;

  /** Requests per minute and per user token (chat, form); bursts up to the same number. */
  @IsInt()
  @Min(1)
  INTAKE_RATE_LIMIT_USER_PER_MINUTE = 60;

  /** Requests per minute and per upstream API key (phone desk app, email gateway). */
  @IsInt()
  @Min(1)
  INTAKE_RATE_LIMIT_API_KEY_PER_MINUTE = 6000;
}

export function loadIntakeConfig(env: NodeJS.ProcessEnv = process.env): IntakeConfig {
  const config = loadConfig(IntakeConfig, env);
  if (config.NODE_ENV === 'production') {
    if (env.INTAKE_API_KEYS === undefined) throw new Error('INTAKE_API_KEYS must be set in production (the development key is refused)');
    if (!config.AUTH_JWKS_URL) throw new Error('AUTH_JWKS_URL must be set in production (HS256 development tokens are refused)');
  }
  return config;
}
