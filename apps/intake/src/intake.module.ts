import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { KafkaHealthIndicator, KafkaModule, PlatformModule } from '#platform';
import { CredentialsService } from './auth/credentials.service.js';
import { IntakeConfig } from './intake.config.js';
import { RequestIntakeService } from './requests/request-intake.service.js';
import { RequestsController } from './requests/requests.controller.js';
import { TicketIntakeService } from './requests/ticket-intake.service.js';
import { UpstreamRequestService } from './requests/upstream-request.service.js';
import { UpstreamRequestsConsumer } from './requests/upstream-requests.consumer.js';

@Module({})
export class IntakeModule {
  static forRoot(config: IntakeConfig): DynamicModule {
    return {
      module: IntakeModule,
      imports: [
        KafkaModule.forRoot({
          brokers: config.brokers,
          clientId: 'support-intake',
          source: '/support/intake',
          consumes: true,
          lingerMs: config.KAFKA_LINGER_MS,
          sendTimeoutMs: config.INTAKE_PUBLISH_TIMEOUT_MS,
          topicPartitions: config.KAFKA_TOPIC_PARTITIONS,
        }),
        PlatformModule.forRoot({ indicators: [KafkaHealthIndicator] }),
      ],
      controllers: [RequestsController, UpstreamRequestsConsumer],
      providers: [{ provide: IntakeConfig, useValue: config }, CredentialsService, TicketIntakeService, RequestIntakeService, UpstreamRequestService],
    };
  }
}
