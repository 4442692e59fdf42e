import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import type { TokenVerifierOptions } from './auth/token-verifier.js';
import { parseBrokers } from '#kafka';

/** Settings every service reads; each service's config class extends it with its own. */
export class ServiceConfig {
  @IsString()
  @IsNotEmpty()
  KAFKA_BROKERS = '127.0.0.1:9092';

  @IsString()
  HOST = '127.0.0.1';

  @IsInt()
  @Min(1)
  KAFKA_TOPIC_PARTITIONS = 6;

  /** Attempts per record (first try included) before it goes to the dead-letter topic. */
  @IsInt()
  @Min(1)
  @Max(20)
  KAFKA_MAX_ATTEMPTS = 4;

  /**
   * A fetch returns once this many bytes are waiting, or after KAFKA_FETCH_MAX_WAIT_MS: under a
   * trickle, records are handled in batches of a few dozen instead of one or two at a time, which
   * costs every hop (fetches, commits, transactions, database round trips) far less CPU.
   */
  @IsInt()
  @Min(1)
  KAFKA_FETCH_MIN_BYTES = 65_536;

  @IsInt()
  @Min(1)
  @Max(5_000)
  KAFKA_FETCH_MAX_WAIT_MS = 50;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
  LOG_LEVEL = 'info';

  get brokers(): string[] {
    return parseBrokers(this.KAFKA_BROKERS);
  }
}

/** The consumption settings every consuming service takes from its configuration. */
export function consumerSettings(config: ServiceConfig): { maxAttempts: number; fetchMinBytes: number; fetchMaxWaitMs: number } {
  return { maxAttempts: config.KAFKA_MAX_ATTEMPTS, fetchMinBytes: config.KAFKA_FETCH_MIN_BYTES, fetchMaxWaitMs: config.KAFKA_FETCH_MAX_WAIT_MS };
}

/** Services that keep state in PostgreSQL. */
export class DatabaseServiceConfig extends ServiceConfig {
  @IsString()
  @IsNotEmpty()
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/support_routing';
}

/** The development token settings: HS256 with a secret everybody knows, refused in production. */
export const DEVELOPMENT_JWT = { secret: 'development-only-secret-change-me-0123456789', issuer: 'support-routing-dev', audience: 'support-intake' } as const;

/** Services with PostgreSQL state that also authenticate people by bearer token. */
export class AuthenticatedServiceConfig extends DatabaseServiceConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  /** HS256 secret for user tokens in development; production uses AUTH_JWKS_URL. */
  @IsString()
  AUTH_JWT_SECRET: string = DEVELOPMENT_JWT.secret;

  @IsString()
  @IsNotEmpty()
  AUTH_JWT_ISSUER: string = DEVELOPMENT_JWT.issuer;

  @IsString()
  @IsNotEmpty()
  AUTH_JWT_AUDIENCE: string = DEVELOPMENT_JWT.audience;

  @IsString()
  AUTH_JWKS_URL = '';

  get tokenVerifierOptions(): TokenVerifierOptions {
    return {
      secret: this.AUTH_JWT_SECRET,
      issuer: this.AUTH_JWT_ISSUER,
      audience: this.AUTH_JWT_AUDIENCE,
      ...(this.AUTH_JWKS_URL ? { jwksUrl: this.AUTH_JWKS_URL } : {}),
    };
  }

  /** Settings that are fine in development but refused in production. */
  productionProblems(): string[] {
    if (this.NODE_ENV !== 'production') return [];
    return this.AUTH_JWKS_URL ? [] : ['AUTH_JWKS_URL: must be set in production (HS256 development tokens are refused)'];
  }
}
