import { Inject, Injectable } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import { TOPIC_CATALOGUE } from '#contracts';
import { ConsumerStatus, EventPublisher, QuarantinePublisher, createKafka, ensureTopics } from '#kafka';
import type { KafkaSecurity } from '#kafka';
import type { Kafka } from 'kafkajs';
import type { HealthIndicator } from './health.js';
import type { ServiceConfig } from './service.config.js';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
export const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

export interface KafkaModuleOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** `ce_source` of the events this service publishes. */
  readonly source: string;
  /** Whether this service consumes (its readiness then requires a running consumer). */
  readonly consumes: boolean;
  readonly lingerMs?: number;
  readonly sendTimeoutMs?: number;
  readonly topicPartitions?: number;
  readonly security?: KafkaSecurity;
  /** retention.ms of the topics with personal data this service creates. */
  readonly personalDataRetentionMs?: number;
}

/** The Kafka settings every service takes from its configuration. */
export function kafkaSettings(
  config: ServiceConfig,
): Pick<KafkaModuleOptions, 'brokers' | 'security' | 'topicPartitions' | 'personalDataRetentionMs'> {
  return {
    brokers: config.brokers,
    security: config.kafkaSecurity,
    topicPartitions: config.KAFKA_TOPIC_PARTITIONS,
    personalDataRetentionMs: config.personalDataRetentionMs,
  };
}

@Injectable()
export class KafkaHealthIndicator implements HealthIndicator {
  readonly name = 'kafka';

  constructor(
    private readonly publisher: EventPublisher,
    private readonly status: ConsumerStatus,
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaModuleOptions,
  ) {}

  async check(): Promise<void> {
    await this.publisher.connect();
    if (!this.status.isReady(this.options.consumes)) {
      throw new Error(
        `consumer is ${this.status.state}${this.status.lastFailure ? `: ${this.status.lastFailure}` : ''}`,
      );
    }
  }
}

@Injectable()
class PublisherCloser implements OnApplicationShutdown {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly quarantine: QuarantinePublisher,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.publisher.close(), this.quarantine.close()]);
  }
}

/** Topic provisioning used by services at start-up: the catalogue plus the given extra topics. */
@Injectable()
export class TopicProvisioner {
  constructor(@Inject(KAFKA_OPTIONS) private readonly options: KafkaModuleOptions) {}

  /** The catalogue's topics and the given dead-letter topics (copies of records: personal data). */
  async ensure(deadLetterTopics: string[] = []): Promise<void> {
    await ensureTopics({
      brokers: [...this.options.brokers],
      partitions: this.options.topicPartitions ?? 6,
      specs: TOPIC_CATALOGUE,
      extraTopics: deadLetterTopics,
      extraTopicsPersonalData: true,
      ...(this.options.personalDataRetentionMs === undefined
        ? {}
        : { personalDataRetentionMs: this.options.personalDataRetentionMs }),
      clientId: `${this.options.clientId}-admin`,
      ...(this.options.security ? { security: this.options.security } : {}),
    });
  }
}

export class KafkaModule {
  static forRoot(options: KafkaModuleOptions): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      providers: [
        { provide: KAFKA_OPTIONS, useValue: options },
        {
          provide: KAFKA_CLIENT,
          useFactory: (): Kafka =>
            createKafka({
              brokers: options.brokers,
              clientId: options.clientId,
              ...(options.security ? { security: options.security } : {}),
            }),
        },
        {
          provide: EventPublisher,
          inject: [KAFKA_CLIENT],
          useFactory: (kafka: Kafka): EventPublisher =>
            new EventPublisher(kafka, {
              source: options.source,
              ...(options.lingerMs === undefined ? {} : { lingerMs: options.lingerMs }),
              ...(options.sendTimeoutMs === undefined ? {} : { sendTimeoutMs: options.sendTimeoutMs }),
            }),
        },
        {
          provide: QuarantinePublisher,
          inject: [KAFKA_CLIENT],
          useFactory: (kafka: Kafka): QuarantinePublisher => new QuarantinePublisher(kafka, { source: options.source }),
        },
        { provide: ConsumerStatus, useValue: new ConsumerStatus() },
        KafkaHealthIndicator,
        TopicProvisioner,
        PublisherCloser,
      ],
      exports: [
        KAFKA_OPTIONS,
        KAFKA_CLIENT,
        EventPublisher,
        QuarantinePublisher,
        ConsumerStatus,
        KafkaHealthIndicator,
        TopicProvisioner,
      ],
    };
  }
}
