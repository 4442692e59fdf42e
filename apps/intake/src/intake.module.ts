import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import {
  AuthModule,
  DatabaseHealthIndicator,
  DatabaseModule,
  KafkaHealthIndicator,
  KafkaModule,
  kafkaSettings,
  PlatformModule,
} from '#platform';
import { CredentialsService } from './auth/credentials.service.js';
import { TicketLifecycleConsumer } from './conversations/ticket-lifecycle.consumer.js';
import { TicketOwnersRepository } from './conversations/ticket-owners.repository.js';
import { RequestCallerGuard } from './auth/request-caller.guard.js';
import { IdempotencyPurger } from './idempotency/idempotency-purger.js';
import { IdempotencyRepository } from './idempotency/idempotency.repository.js';
import { IntakeConfig } from './intake.config.js';
import { CreateIntake1764310000000 } from './migrations/1764310000000-create-intake.js';
import { IntakePurgeAndErasure1764310000001 } from './migrations/1764310000001-intake-purge-and-erasure.js';
import { TicketOwners1766200000000 } from './migrations/1766200000000-ticket-owners.js';
import { SubjectErasuresConsumer } from './privacy/subject-erasures.consumer.js';
import { RequestIntakeService } from './requests/request-intake.service.js';
import { RequestsController } from './requests/requests.controller.js';
import { TicketIntakeService } from './requests/ticket-intake.service.js';
import { UpstreamRequestService } from './requests/upstream-request.service.js';
import { UpstreamRequestsConsumer } from './requests/upstream-requests.consumer.js';

export const INTAKE_MIGRATIONS = [
  CreateIntake1764310000000,
  IntakePurgeAndErasure1764310000001,
  TicketOwners1766200000000,
];

@Module({})
export class IntakeModule {
  static forRoot(config: IntakeConfig): DynamicModule {
    return {
      module: IntakeModule,
      imports: [
        KafkaModule.forRoot({
          ...kafkaSettings(config),
          clientId: 'support-intake',
          source: '/support/intake',
          consumes: true,
          lingerMs: config.KAFKA_LINGER_MS,
          sendTimeoutMs: config.INTAKE_PUBLISH_TIMEOUT_MS,
        }),
        DatabaseModule.forRoot({
          url: config.DATABASE_URL,
          entities: [],
          migrations: INTAKE_MIGRATIONS,
          migrationsTableName: 'intake_migrations',
        }),
        PlatformModule.forRoot({ service: 'intake', indicators: [KafkaHealthIndicator, DatabaseHealthIndicator] }),
        AuthModule.forRoot(config.tokenVerifierOptions),
      ],
      controllers: [RequestsController, UpstreamRequestsConsumer, SubjectErasuresConsumer, TicketLifecycleConsumer],
      providers: [
        { provide: IntakeConfig, useValue: config },
        CredentialsService,
        RequestCallerGuard,
        TicketIntakeService,
        RequestIntakeService,
        UpstreamRequestService,
        IdempotencyRepository,
        IdempotencyPurger,
        TicketOwnersRepository,
      ],
    };
  }
}
