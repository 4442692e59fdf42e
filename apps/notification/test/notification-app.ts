import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Topics } from '#contracts';
import { ConsumerStatus, EventPublisher, KafkaConsumerServer } from '#kafka';
import { JsonLogger, KAFKA_CLIENT, ProblemDetailsFilter, TopicProvisioner } from '#platform';
import { startGroupAtEnd, testBrokers } from '#testing';
import type { Kafka } from 'kafkajs';
import type { Clock } from '../src/clock.js';
import { loadNotificationConfig } from '../src/notification.config.js';
import { NotificationModule } from '../src/notification.module.js';

export const CONSUMED_TOPICS = [
  Topics.ticketsRouted,
  Topics.alertsPhoneDesk,
  Topics.ticketsSubmitted,
  Topics.ticketsLifecycle,
];

export interface NotificationAppOptions {
  readonly env: Record<string, string>;
  readonly groupId: string;
  readonly clock?: Clock;
}

/**
 * The notification service in the test process, wired like main.ts (HTTP, problem+json, the Kafka
 * consumer transport) but with an injectable clock, so tests can move time and run two instances.
 */
export class NotificationApp {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly url: string,
  ) {}

  static async start(options: NotificationAppOptions): Promise<NotificationApp> {
    const config = loadNotificationConfig({
      NODE_ENV: 'development',
      KAFKA_BROKERS: testBrokers().join(','),
      ...options.env,
    });
    const logger = new JsonLogger('notification-test', process.env.TEST_SERVICE_LOG_LEVEL ?? 'error');
    const app = await NestFactory.create<NestFastifyApplication>(
      NotificationModule.forRoot(config, options.clock ? { clock: options.clock } : {}),
      new FastifyAdapter(),
      { logger },
    );
    app.useGlobalFilters(new ProblemDetailsFilter());
    await app.get(TopicProvisioner).ensure();
    await app.init();
    const provisioner = app.get(TopicProvisioner);
    const server = new KafkaConsumerServer({
      kafka: app.get<Kafka>(KAFKA_CLIENT),
      groupId: options.groupId,
      publisher: app.get(EventPublisher),
      status: app.get(ConsumerStatus),
      ensureTopics: (topics) => provisioner.ensure(topics),
      onFatal: (error) => logger.fatal(`consumer failed for good: ${error.message}`, 'NotificationApp'),
      retryBackoffMs: 50,
      partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
    });
    app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.listen({ port: 0, host: '127.0.0.1' });
    return new NotificationApp(app, await app.getUrl());
  }

  /** Makes a group that never ran start at the end of the topics, skipping what other runs left there. */
  static async skipHistory(groupId: string): Promise<void> {
    await startGroupAtEnd(testBrokers(), groupId, CONSUMED_TOPICS);
  }

  get<T>(type: new (...args: never[]) => T): T {
    return this.app.get(type, { strict: false });
  }

  async stop(): Promise<void> {
    await this.app.close();
  }
}
