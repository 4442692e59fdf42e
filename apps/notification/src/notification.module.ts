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
import { AlertRepository } from './alerts/alert.repository.js';
import { AlertsController } from './alerts/alerts.controller.js';
import { AlertsService } from './alerts/alerts.service.js';
import { EscalationScheduler } from './alerts/escalation.scheduler.js';
import { ChannelRegistry } from './channels/channel-registry.js';
import { DeliveryRepository } from './delivery/delivery.repository.js';
import { DeliveryWorker } from './delivery/delivery.worker.js';
import { CHANNEL_REGISTRY, NotificationSender } from './delivery/notification-sender.js';
import { CreateNotification1764400000000 } from './migrations/1764400000000-create-notification.js';
import { TuneNotificationQueues1764400000001 } from './migrations/1764400000001-tune-notification-queues.js';
import { NotificationTraceContext1764400000002 } from './migrations/1764400000002-trace-context.js';
import { NotificationConversations1766300000000 } from './migrations/1766300000000-conversations.js';
import { TicketRepository } from './conversations/ticket.repository.js';
import { Housekeeping } from './housekeeping.js';
import { NotificationConfig } from './notification.config.js';
import { NotificationRuntime } from './notification.runtime.js';
import { NotificationConsumer } from './notifying/notification.consumer.js';
import { NotificationIntake } from './notifying/notification-intake.service.js';
import { ContactRepository } from './recipients/contact.repository.js';
import { SubjectErasuresConsumer } from './privacy/subject-erasures.consumer.js';

export const NOTIFICATION_MIGRATIONS = [
  CreateNotification1764400000000,
  TuneNotificationQueues1764400000001,
  NotificationTraceContext1764400000002,
  NotificationConversations1766300000000,
];
export const NOTIFICATION_MIGRATIONS_TABLE = 'notification_migrations';

export interface NotificationModuleOverrides {
  /** Tests move time by hand; production uses the system clock. */
  readonly clock?: Clock;
}

@Module({})
export class NotificationModule {
  static forRoot(config: NotificationConfig, overrides: NotificationModuleOverrides = {}): DynamicModule {
    return {
      module: NotificationModule,
      imports: [
        KafkaModule.forRoot({
          ...kafkaSettings(config),
          clientId: 'support-notification',
          source: '/support/notification',
          consumes: true,
        }),
        DatabaseModule.forRoot({
          url: config.DATABASE_URL,
          entities: [],
          migrations: NOTIFICATION_MIGRATIONS,
          migrationsTableName: NOTIFICATION_MIGRATIONS_TABLE,
        }),
        PlatformModule.forRoot({
          service: 'notification',
          indicators: [KafkaHealthIndicator, DatabaseHealthIndicator],
        }),
        AuthModule.forRoot(config.tokenVerifierOptions),
      ],
      controllers: [AlertsController, NotificationConsumer, SubjectErasuresConsumer],
      providers: [
        { provide: NotificationConfig, useValue: config },
        { provide: Clock, useValue: overrides.clock ?? new SystemClock() },
        {
          provide: CHANNEL_REGISTRY,
          useFactory: (): ChannelRegistry =>
            ChannelRegistry.create({
              webhookKeys: config.webhookKeys,
              smtpUrl: config.SMTP_URL,
              from: config.NOTIFY_FROM,
              attemptTimeoutMs: config.NOTIFY_ATTEMPT_TIMEOUT_MS,
              concurrency: config.NOTIFY_CONCURRENCY,
              requireTls: !config.development,
              development: config.development,
            }),
        },
        {
          provide: OutboxRepository,
          useFactory: (dataSource: DataSource): OutboxRepository => new OutboxRepository(dataSource, 'notification'),
          inject: [DataSource],
        },
        {
          provide: OutboxRelay,
          useFactory: (outbox: OutboxRepository, publisher: EventPublisher): OutboxRelay =>
            new OutboxRelay(outbox, publisher, Math.max(config.NOTIFY_POLL_INTERVAL_MS, 1_000)),
          inject: [OutboxRepository, EventPublisher],
        },
        ContactRepository,
        TicketRepository,
        DeliveryRepository,
        AlertRepository,
        NotificationSender,
        DeliveryWorker,
        EscalationScheduler,
        NotificationIntake,
        AlertsService,
        Housekeeping,
        NotificationRuntime,
      ],
    };
  }
}
