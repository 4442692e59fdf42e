import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import type { MigrationInterface } from 'typeorm';
import { DatabaseHealthIndicator, DatabaseModule, KafkaHealthIndicator, KafkaModule, PlatformModule, TokenVerifier } from '#platform';
import { AuditAccess } from './access/audit-access.js';
import { AuditController } from './audit/audit.controller.js';
import { AuditRepository } from './audit/audit.repository.js';
import { AuditService } from './audit/audit.service.js';
import { HistoryConfig } from './history.config.js';
import { CreateHistory1764300000000 } from './migrations/1764300000000-create-history.js';
import { auditChainMigration, HISTORY_APP_ROLE } from './migrations/1764900000000-audit-chain.js';
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

/** The migrations, in order; the chain migration encrypts events stored before it with the vault. */
export function historyMigrations(vault: SubjectVault): (new () => MigrationInterface)[] {
  return [CreateHistory1764300000000, auditChainMigration(vault)];
}

export const HISTORY_MIGRATIONS_TABLE = 'history_migrations';

@Module({})
export class HistoryModule {
  static forRoot(config: HistoryConfig): DynamicModule {
    const vault = SubjectVault.fromBase64(config.HISTORY_MASTER_KEY);
    return {
      module: HistoryModule,
      imports: [
        KafkaModule.forRoot({
          brokers: config.brokers,
          clientId: 'support-history',
          source: '/support/history',
          consumes: true,
          topicPartitions: config.KAFKA_TOPIC_PARTITIONS,
        }),
        DatabaseModule.forRoot({
          url: config.DATABASE_URL,
          entities: [],
          migrations: historyMigrations(vault),
          migrationsTableName: HISTORY_MIGRATIONS_TABLE,
          sessionRole: HISTORY_APP_ROLE,
        }),
        PlatformModule.forRoot({ indicators: [KafkaHealthIndicator, DatabaseHealthIndicator] }),
      ],
      controllers: [TicketsController, StatsController, AuditController, SubjectsController, HistoryConsumer],
      providers: [
        { provide: HistoryConfig, useValue: config },
        { provide: SubjectVault, useValue: vault },
        { provide: TokenVerifier, useFactory: (): TokenVerifier => new TokenVerifier(config.tokenVerifierOptions) },
        AuditAccess,
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
