import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConsumerStatus, EventPublisher, KafkaConsumerServer, QuarantinePublisher } from '#kafka';
import { isTransientDatabaseError, JsonLogger, KAFKA_CLIENT, ProblemDetailsFilter, TopicProvisioner } from '#platform';
import type { Kafka } from 'kafkajs';

export interface InProcessServiceOptions {
  readonly name: string;
  readonly module: DynamicModule;
  readonly groupId: string;
  readonly partitionsConsumedConcurrently?: number;
  readonly bodyLimitBytes?: number;
}

/**
 * A service in the test process, wired like its main.ts (HTTP with problem+json, the Kafka consumer
 * transport) but with the module's test overrides (a clock tests move by hand...), so tests can
 * reach its providers and run two instances side by side.
 */
export class InProcessService {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly url: string,
  ) {}

  static async start(options: InProcessServiceOptions): Promise<InProcessService> {
    const logger = new JsonLogger(`${options.name}-test`, process.env.TEST_SERVICE_LOG_LEVEL ?? 'error');
    const app = await NestFactory.create<NestFastifyApplication>(
      options.module,
      new FastifyAdapter({ bodyLimit: options.bodyLimitBytes ?? 64 * 1024 }),
      { logger },
    );
    app.useGlobalFilters(new ProblemDetailsFilter());
    const provisioner = app.get(TopicProvisioner);
    await provisioner.ensure();
    await app.init();
    const server = new KafkaConsumerServer({
      kafka: app.get<Kafka>(KAFKA_CLIENT),
      groupId: options.groupId,
      publisher: app.get(EventPublisher),
      deadLetters: app.get(QuarantinePublisher),
      dependencyFailure: isTransientDatabaseError,
      status: app.get(ConsumerStatus),
      ensureTopics: (topics) => provisioner.ensure(topics),
      onFatal: (error) => logger.fatal(`consumer failed for good: ${error.message}`, options.name),
      retryBackoffMs: 50,
      ...(options.partitionsConsumedConcurrently === undefined
        ? {}
        : { partitionsConsumedConcurrently: options.partitionsConsumedConcurrently }),
    });
    app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.listen({ port: 0, host: '127.0.0.1' });
    return new InProcessService(app, await app.getUrl());
  }

  get<T>(type: new (...args: never[]) => T): T {
    return this.app.get(type, { strict: false });
  }

  async stop(): Promise<void> {
    await this.app.close();
  }
}
