import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { DatabaseHealthIndicator, DatabaseModule, KafkaHealthIndicator, KafkaModule, PlatformModule } from '#platform';
import { HistoryConfig } from './history.config.js';
import { CreateHistory1764300000000 } from './migrations/1764300000000-create-history.js';
import { EventRecorder } from './recording/event-recorder.service.js';
import { HistoryConsumer } from './recording/history.consumer.js';
import { HistoryRepository } from './recording/history.repository.js';
import { TicketRepository } from './tickets/ticket.repository.js';
import { TicketsController } from './tickets/tickets.controller.js';
import { TicketsService } from './tickets/tickets.service.js';

export const HISTORY_MIGRATIONS = [CreateHistory1764300000000];

@Module({})
export class HistoryModule {
  static forRoot(config: HistoryConfig): DynamicModule {
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
          migrations: HISTORY_MIGRATIONS,
          migrationsTableName: 'history_migrations',
        }),
        PlatformModule.forRoot({ indicators: [KafkaHealthIndicator, DatabaseHealthIndicator] }),
      ],
      controllers: [TicketsController, HistoryConsumer],
      providers: [{ provide: HistoryConfig, useValue: config }, HistoryRepository, EventRecorder, TicketRepository, TicketsService],
    };
  }
}
