import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { KafkaHealthIndicator, KafkaModule, PlatformModule } from '#platform';
import { LogChannel } from './channels/log.channel.js';
import { NOTIFICATION_CHANNEL } from './channels/notification-channel.js';
import { NotificationConfig } from './notification.config.js';
import { NotificationConsumer } from './notifying/notification.consumer.js';
import { NotifierService } from './notifying/notifier.service.js';

@Module({})
export class NotificationModule {
  static forRoot(config: NotificationConfig): DynamicModule {
    return {
      module: NotificationModule,
      imports: [
        KafkaModule.forRoot({
          brokers: config.brokers,
          clientId: 'support-notification',
          source: '/support/notification',
          consumes: true,
          topicPartitions: config.KAFKA_TOPIC_PARTITIONS,
        }),
        PlatformModule.forRoot({ indicators: [KafkaHealthIndicator] }),
      ],
      controllers: [NotificationConsumer],
      providers: [{ provide: NotificationConfig, useValue: config }, { provide: NOTIFICATION_CHANNEL, useClass: LogChannel }, NotifierService],
    };
  }
}
