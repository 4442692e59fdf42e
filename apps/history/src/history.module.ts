import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MigrationInterface } from 'typeorm';
import { messageOf } from '#kafka';
import type { DueTime } from '#rules';
import {
  AuthModule,
  createDataSource,
  DatabaseHealthIndicator,
  DatabaseModule,
  KafkaHealthIndicator,
  KafkaModule,
  kafkaSettings,
  PlatformModule,
} from '#platform';
import { AUDIT_DATA_SOURCE, AuditDataSourceCloser } from './audit/audit-data-source.js';
import { AuditController } from './audit/audit.controller.js';
import { AuditRepository } from './audit/audit.repository.js';
import { AuditService } from './audit/audit.service.js';
import { HISTORY_APP_ROLE, HistoryConfig } from './history.config.js';
import { CreateHistory1764300000000 } from './migrations/1764300000000-create-history.js';
import { auditChainMigration } from './migrations/1764900000000-audit-chain.js';
import { ErasureLedger1765000000000 } from './migrations/1765000000000-erasure-ledger.js';
import { ticketProgressMigration } from './migrations/1766400000000-ticket-progress.js';
import { EventIdentity1766500000000 } from './migrations/1766500000000-event-identity.js';
import { ErasureLedgerLoader } from './privacy/erasure-ledger.loader.js';
import { UnattributedRetention } from './privacy/unattributed-retention.js';
import { ErasureRepository } from './privacy/erasure.repository.js';
import { ErasureService } from './privacy/erasure.service.js';
import { SubjectsController } from './privacy/subjects.controller.js';
import { SubjectVault } from './privacy/subject-vault.js';
import { EventRecorder } from './recording/event-recorder.service.js';
import { HistoryConsumer } from './recording/history.consumer.js';
import { HistoryRepository } from './recording/history.repository.js';
import { TicketRepository } from './tickets/ticket.repository.js';
import { StatsController, TicketsController } from './tickets/tickets.controller.js';
import { TicketsService } from './tickets/tickets.service.js';
import { SERVICE_LEVELS, serviceLevelsOf } from './service-levels.provider.js';

/** The migrations, in order; the chain migration encrypts events stored before it with the vault, the progress one gives waiting tickets their due time. */
export function historyMigrations(vault: SubjectVault, dueAt: DueTime): (new () => MigrationInterface)[] {
  return [
    CreateHistory1764300000000,
    auditChainMigration(vault),
    ErasureLedger1765000000000,
    ticketProgressMigration(dueAt),
    EventIdentity1766500000000,
  ];
}

/**
 * In development the service's role logs in with the owner's password (a local server may ask
 * for one). In production its login belongs to the database administrator.
 */
export async function giveAppRoleTheOwnersPassword(owner: DataSource, ownerUrl: string): Promise<void> {
  const password = decodeURIComponent(new URL(ownerUrl).password);
  if (!password) return;
  try {
    const [statement] = await owner.query<{ sql: string }[]>(
      `SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', $1::text, $2::text) AS sql`,
      [HISTORY_APP_ROLE, password],
    );
    if (statement) await owner.query(statement.sql);
  } catch (error) {
    new Logger('HistoryModule').warn(`cannot set the password of ${HISTORY_APP_ROLE}: ${messageOf(error)}`);
  }
}

export const HISTORY_MIGRATIONS_TABLE = 'history_migrations';

@Module({})
export class HistoryModule {
  static forRoot(config: HistoryConfig): DynamicModule {
    const vault = SubjectVault.fromBase64(config.HISTORY_MASTER_KEY);
    const dueAt = serviceLevelsOf(config.ROUTING_RULES_FILE);
    return {
      module: HistoryModule,
      imports: [
        KafkaModule.forRoot({
          ...kafkaSettings(config),
          clientId: 'support-history',
          source: '/support/history',
          consumes: true,
        }),
        DatabaseModule.forRoot({
          url: config.DATABASE_URL,
          entities: [],
          migrations: historyMigrations(vault, dueAt),
          migrationsTableName: HISTORY_MIGRATIONS_TABLE,
          serviceUrl: config.appDatabaseUrl,
          ...(config.development && !config.HISTORY_APP_DATABASE_URL
            ? { afterMigrations: (owner: DataSource) => giveAppRoleTheOwnersPassword(owner, config.DATABASE_URL) }
            : {}),
        }),
        PlatformModule.forRoot({ service: 'history', indicators: [KafkaHealthIndicator, DatabaseHealthIndicator] }),
        AuthModule.forRoot(config.tokenVerifierOptions),
      ],
      controllers: [TicketsController, StatsController, AuditController, SubjectsController, HistoryConsumer],
      providers: [
        { provide: HistoryConfig, useValue: config },
        { provide: SubjectVault, useValue: vault },
        { provide: SERVICE_LEVELS, useValue: dueAt },
        {
          provide: AUDIT_DATA_SOURCE,
          // After the service's own pool: the migrations have run.
          inject: [DataSource],
          useFactory: async (): Promise<DataSource> =>
            createDataSource({
              url: config.appDatabaseUrl,
              entities: [],
              migrations: [],
              migrationsTableName: HISTORY_MIGRATIONS_TABLE,
              poolSize: config.HISTORY_AUDIT_POOL_SIZE,
              statementTimeoutMs: config.HISTORY_AUDIT_STATEMENT_TIMEOUT_MS,
            }).initialize(),
        },
        AuditDataSourceCloser,
        ErasureLedgerLoader,
        UnattributedRetention,
        HistoryRepository,
        EventRecorder,
        TicketRepository,
        TicketsService,
        AuditRepository,
        AuditService,
        ErasureRepository,
        ErasureService,
      ],
    };
  }
}
