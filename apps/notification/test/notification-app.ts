import { Topics } from '#contracts';
import { InProcessService, startGroupAtEnd, testBrokers } from '#testing';
import { loadNotificationConfig } from '../src/notification.config.js';
import { NotificationModule } from '../src/notification.module.js';
import type { Clock } from '#platform';

export const CONSUMED_TOPICS = [
  Topics.ticketsRouted,
  Topics.alertsPhoneDesk,
  Topics.ticketsSubmitted,
  Topics.ticketsLifecycle,
  Topics.ticketsMessages,
];

export interface NotificationAppOptions {
  readonly env: Record<string, string>;
  readonly groupId: string;
  readonly clock?: Clock;
}

/** The notification service in the test process, with an injectable clock (see InProcessService). */
export class NotificationApp {
  private constructor(private readonly service: InProcessService) {}

  static async start(options: NotificationAppOptions): Promise<NotificationApp> {
    const config = loadNotificationConfig({
      NODE_ENV: 'development',
      KAFKA_BROKERS: testBrokers().join(','),
      ...options.env,
    });
    return new NotificationApp(
      await InProcessService.start({
        name: 'notification',
        module: NotificationModule.forRoot(config, options.clock ? { clock: options.clock } : {}),
        groupId: options.groupId,
        partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
      }),
    );
  }

  /** Makes a group that never ran start at the end of the topics, skipping what other runs left there. */
  static async skipHistory(groupId: string): Promise<void> {
    await startGroupAtEnd(testBrokers(), groupId, CONSUMED_TOPICS);
  }

  get url(): string {
    return this.service.url;
  }

  get app(): InProcessService['app'] {
    return this.service.app;
  }

  get<T>(type: new (...args: never[]) => T): T {
    return this.service.get(type);
  }

  async stop(): Promise<void> {
    await this.service.stop();
  }
}
