import { Injectable, Logger } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MixedList, EntitySchema } from 'typeorm';
import type { HealthIndicator } from './health.js';

export interface DatabaseOptions {
  readonly url: string;
  /** Entity classes of the service. */
  readonly entities: MixedList<string | (new () => unknown) | EntitySchema>;
  /** Migration classes of the service, applied at start-up. */
  readonly migrations: MixedList<string | (new () => unknown)>;
  /** Each service keeps its own migrations table (services never share tables). */
  readonly migrationsTableName: string;
  readonly poolSize?: number;
  /**
   * Where the service's own connections log in, when not as the owner that runs the migrations: a
   * role with fewer rights (for instance: may insert into a table but not update or delete it),
   * which, logged in as itself, cannot take the owner's rights back.
   */
  readonly serviceUrl?: string;
  /** Run as the owner after the migrations, before the service connects (e.g. to set up its role's login). */
  readonly afterMigrations?: (owner: DataSource) => Promise<void>;
  /** Every statement of the pool is cancelled after this long. */
  readonly statementTimeoutMs?: number;
}

const logger = new Logger('Database');

/** Applies pending migrations under a PostgreSQL advisory lock, so concurrent instances take turns. */
export async function runMigrations(dataSource: DataSource, lockName: string): Promise<number> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lockName]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) logger.log(`migration applied: ${migration.name}`);
    return applied.length;
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockName]).catch(() => undefined);
    await runner.release();
  }
}

export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: options.migrationsTableName,
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    extra: {
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      ...(options.statementTimeoutMs === undefined
        ? {}
        : { options: `-c statement_timeout=${Math.round(options.statementTimeoutMs)}` }),
    },
  });
}

/**
 * Runs the migrations, then gives the service its DataSource. With a service URL, migrations run
 * on a short-lived connection of the owner and the service's pool logs in as the restricted role.
 */
export async function migratedDataSource(options: DatabaseOptions): Promise<DataSource> {
  if (options.serviceUrl !== undefined) {
    // Two connections: one holds the advisory lock while the other migrates.
    const owner = createDataSource({ ...options, poolSize: 2 });
    await owner.initialize();
    try {
      await runMigrations(owner, options.migrationsTableName);
      await options.afterMigrations?.(owner);
    } finally {
      await owner.destroy();
    }
    const dataSource = createDataSource({ ...options, url: options.serviceUrl });
    await dataSource.initialize();
    return dataSource;
  }
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  await runMigrations(dataSource, options.migrationsTableName);
  return dataSource;
}

@Injectable()
export class DatabaseHealthIndicator implements HealthIndicator {
  readonly name = 'postgres';

  constructor(private readonly dataSource: DataSource) {}

  async check(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Provides an initialised, migrated TypeORM DataSource; `synchronize` is always off. */
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        {
          provide: DataSource,
          useFactory: async (): Promise<DataSource> => migratedDataSource(options),
        },
        DatabaseHealthIndicator,
        DataSourceCloser,
      ],
      exports: [DataSource, DatabaseHealthIndicator],
    };
  }
}
