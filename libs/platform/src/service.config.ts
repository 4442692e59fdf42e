import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import type { TokenVerifierOptions } from './auth/token-verifier.js';
import { DevelopmentDefault } from './config.js';
import { DEVELOPMENT } from './development.js';
import { parseBrokers } from '#kafka';
import type { KafkaSecurity } from '#kafka';

export const SASL_MECHANISMS = ['', 'plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** Settings every service reads; each service's config class extends it with its own. */
export class ServiceConfig {
  /** `development` must be explicit; anything else is production; unset is refused. */
  @IsString()
  NODE_ENV = '';

  /** Comma-separated `host:port` of the brokers to bootstrap from. */
  @IsString()
  @IsNotEmpty()
  KAFKA_BROKERS = '127.0.0.1:9092';

  /** TLS to the brokers (the system's CA store, or KAFKA_SSL_CA_FILE). */
  @IsBoolean()
  KAFKA_SSL = false;

  /** PEM file of the CA that signed the brokers' certificates, when it is not a public one. */
  @IsString()
  KAFKA_SSL_CA_FILE = '';

  /** SASL authentication to the brokers: empty (none), plain, scram-sha-256 or scram-sha-512. */
  @IsIn(SASL_MECHANISMS)
  KAFKA_SASL_MECHANISM: (typeof SASL_MECHANISMS)[number] = '';

  /** SASL user (with KAFKA_SASL_MECHANISM). */
  @IsString()
  KAFKA_SASL_USERNAME = '';

  /** SASL password (with KAFKA_SASL_MECHANISM). */
  @IsString()
  KAFKA_SASL_PASSWORD = '';

  /**
   * How long topics that carry personal data (requests, tickets, queues, alerts, notes, dead
   * letters) keep it, when a service creates them: erasure cannot reach a Kafka log, retention does.
   */
  @IsInt()
  @Min(1)
  @Max(3650)
  KAFKA_PERSONAL_DATA_RETENTION_DAYS = 7;

  /** Listen address of the HTTP server (`0.0.0.0` in a container). */
  @IsString()
  HOST = '127.0.0.1';

  /** Partitions of the contract topics a service creates when they are missing (an existing topic keeps its count). */
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

  /** Longest wait of a fetch for KAFKA_FETCH_MIN_BYTES: the most latency each hop adds under a trickle. */
  @IsInt()
  @Min(1)
  @Max(5_000)
  KAFKA_FETCH_MAX_WAIT_MS = 50;

  /** Partition batches of one fetch handled at once (a service with more partitions to keep apart sets more). */
  @IsInt()
  @Min(1)
  @Max(64)
  KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY = 3;

  /** Lowest level logged (JSON lines on stdout). */
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
  LOG_LEVEL = 'info';

  get brokers(): string[] {
    return parseBrokers(this.KAFKA_BROKERS);
  }

  get development(): boolean {
    return this.NODE_ENV.trim() === 'development';
  }

  get kafkaSecurity(): KafkaSecurity {
    return {
      ssl: this.KAFKA_SSL,
      ...(this.KAFKA_SSL_CA_FILE ? { caFile: this.KAFKA_SSL_CA_FILE } : {}),
      ...(this.KAFKA_SASL_MECHANISM
        ? {
            sasl: {
              mechanism: this.KAFKA_SASL_MECHANISM,
              username: this.KAFKA_SASL_USERNAME,
              password: this.KAFKA_SASL_PASSWORD,
            },
          }
        : {}),
    };
  }

  get personalDataRetentionMs(): number {
    return this.KAFKA_PERSONAL_DATA_RETENTION_DAYS * 24 * 3_600_000;
  }

  /** Settings that depend on each other, and what production refuses; subclasses add theirs. */
  crossCheck(): string[] {
    const problems: string[] = [];
    if (this.KAFKA_SASL_MECHANISM && (!this.KAFKA_SASL_USERNAME || !this.KAFKA_SASL_PASSWORD)) {
      problems.push(
        `KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: both required with KAFKA_SASL_MECHANISM=${this.KAFKA_SASL_MECHANISM}`,
      );
    }
    if (this.KAFKA_SSL_CA_FILE && !this.KAFKA_SSL) problems.push('KAFKA_SSL_CA_FILE: only used with KAFKA_SSL=true');
    return problems;
  }
}

/** The consumption settings every consuming service takes from its configuration. */
export function consumerSettings(config: ServiceConfig): {
  maxAttempts: number;
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  partitionsConsumedConcurrently: number;
} {
  return {
    maxAttempts: config.KAFKA_MAX_ATTEMPTS,
    fetchMinBytes: config.KAFKA_FETCH_MIN_BYTES,
    fetchMaxWaitMs: config.KAFKA_FETCH_MAX_WAIT_MS,
    partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
  };
}

/**
 * Services that authenticate people by bearer token: HS256 with a shared secret in development,
 * RS256/ES256 keys from the identity provider's JWKS (https only) in production.
 */
export class AuthenticatedServiceConfig extends ServiceConfig {
  /** HS256 secret of user tokens; development only (production verifies with AUTH_JWKS_URL). */
  @IsString()
  @DevelopmentDefault(DEVELOPMENT.jwt.secret)
  AUTH_JWT_SECRET = '';

  /** Required `iss` of user tokens. */
  @IsString()
  @IsNotEmpty()
  @DevelopmentDefault(DEVELOPMENT.jwt.issuer)
  AUTH_JWT_ISSUER = '';

  /** Required `aud` of user tokens. */
  @IsString()
  @IsNotEmpty()
  @DevelopmentDefault(DEVELOPMENT.jwt.audience)
  AUTH_JWT_AUDIENCE = '';

  /** The identity provider's key set (RS256/ES256), e.g. `https://idp.example.com/.well-known/jwks.json`. */
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

  override crossCheck(): string[] {
    const problems = super.crossCheck();
    if (this.development) {
      if (!this.AUTH_JWKS_URL && !this.AUTH_JWT_SECRET)
        problems.push('AUTH_JWT_SECRET: required without AUTH_JWKS_URL');
      return problems;
    }
    if (!this.AUTH_JWKS_URL)
      problems.push('AUTH_JWKS_URL: must be set in production (HS256 development tokens are refused)');
    else if (!isHttpsUrl(this.AUTH_JWKS_URL)) problems.push('AUTH_JWKS_URL: must be an https:// URL in production');
    if (this.AUTH_JWT_SECRET === DEVELOPMENT.jwt.secret)
      problems.push('AUTH_JWT_SECRET: the development secret is refused in production');
    return problems;
  }
}

/** Services that keep state in PostgreSQL (all of them also authenticate people). */
export class DatabaseServiceConfig extends AuthenticatedServiceConfig {
  /** PostgreSQL of the service (its schema is migrated at start-up); `postgres://user:password@host:5432/database`. */
  @IsString()
  @IsNotEmpty({ message: 'must be set (postgres://user:password@host:5432/database)' })
  @DevelopmentDefault(DEVELOPMENT.databaseUrl)
  DATABASE_URL = '';
}

export function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
