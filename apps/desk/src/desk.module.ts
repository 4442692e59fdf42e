import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventPublisher } from '#kafka';
import {
  AuthModule,
  Clock,
  DatabaseHealthIndicator,
  DatabaseModule,
  KafkaHealthIndicator,
  KafkaModule,
  kafkaSettings,
  OutboxRelay,
  OutboxRepository,
  PlatformModule,
  SystemClock,
} from '#platform';
import { DeskConfig } from './desk.config.js';
import { DeskRuntime } from './desk.runtime.js';
import { AgentsConsumer } from './agents/agents.consumer.js';
import { AgentsController } from './agents/agents.controller.js';
import { DeskAgent, DeskPsmAssignment } from './agents/desk-agent.entity.js';
import { PresenceService } from './agents/presence.service.js';
import { PsmAssignments } from './agents/psm-assignments.js';
import { Assigner } from './assignment/assigner.js';
import { CreateDesk1766100000000 } from './migrations/1766100000000-create-desk.js';
import { Assignment1766100000001 } from './migrations/1766100000001-assignment.js';
import { AccessRecorder } from './privacy/access-recorder.js';
import { ruleSetProviders } from './service-levels.provider.js';
import { StreamHub } from './stream/stream.hub.js';
import { DeskActions } from './tickets/desk-actions.service.js';
import { DeskProjection } from './tickets/desk-projection.js';
import { DeskMessage, DeskTicket } from './tickets/desk-ticket.entity.js';
import { DeskTicketRepository } from './tickets/desk-ticket.repository.js';
import { DeskConsumer } from './tickets/desk.consumer.js';
import { DeskController } from './tickets/desk.controller.js';

export const DESK_MIGRATIONS = [CreateDesk1766100000000, Assignment1766100000001];
export const DESK_MIGRATIONS_TABLE = 'desk_migrations';
const RELAY_IDLE_MS = 1_000;
/**
 * Agents wait for what desk publishes (a claim's event, an assignment): a short linger, since an
 * assignment pass or an action already writes its events together.
 */
const RELAY_LINGER_MS = 5;

export interface DeskModuleOverrides {
  /** Tests move time by hand; production uses the system clock. */
  readonly clock?: Clock;
}

@Module({})
export class DeskModule {
  static forRoot(config: DeskConfig, overrides: DeskModuleOverrides = {}): DynamicModule {
    return {
      module: DeskModule,
      imports: [
        KafkaModule.forRoot({
          ...kafkaSettings(config),
          clientId: 'support-desk',
          source: '/support/desk',
          consumes: true,
        }),
        DatabaseModule.forRoot({
          url: config.DATABASE_URL,
          entities: [DeskTicket, DeskMessage, DeskAgent, DeskPsmAssignment],
          migrations: DESK_MIGRATIONS,
          migrationsTableName: DESK_MIGRATIONS_TABLE,
        }),
        PlatformModule.forRoot({
          service: 'desk',
          indicators: [KafkaHealthIndicator, DatabaseHealthIndicator],
        }),
        AuthModule.forRoot(config.tokenVerifierOptions),
      ],
      controllers: [DeskController, AgentsController, DeskConsumer, AgentsConsumer],
      providers: [
        { provide: DeskConfig, useValue: config },
        { provide: Clock, useValue: overrides.clock ?? new SystemClock() },
        ...ruleSetProviders,
        {
          provide: OutboxRepository,
          useFactory: (dataSource: DataSource): OutboxRepository => new OutboxRepository(dataSource, 'desk'),
          inject: [DataSource],
        },
        {
          provide: OutboxRelay,
          useFactory: (outbox: OutboxRepository, publisher: EventPublisher): OutboxRelay =>
            new OutboxRelay(outbox, publisher, RELAY_IDLE_MS, RELAY_LINGER_MS),
          inject: [OutboxRepository, EventPublisher],
        },
        DeskTicketRepository,
        DeskProjection,
        DeskActions,
        AccessRecorder,
        StreamHub,
        Assigner,
        PresenceService,
        PsmAssignments,
        DeskRuntime,
      ],
    };
  }
}
