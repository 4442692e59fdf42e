import 'reflect-metadata';
import { ConfigError, JsonLogger, bootstrapService, consumerSettings } from '#platform';
import { loadNotificationConfig } from './notification.config.js';
import type { NotificationConfig } from './notification.config.js';
import { NotificationModule } from './notification.module.js';

let config: NotificationConfig;
try {
  config = loadNotificationConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // One readable line per problem instead of a stack trace; the orchestrator sees a failed start.
  new JsonLogger('notification').fatal(`cannot start: ${error.problems.length} configuration problem(s): ${error.problems.join('; ')}`, 'Config');
  process.exit(1);
}

await bootstrapService({
  name: 'notification',
  module: NotificationModule.forRoot(config),
  port: config.NOTIFICATION_PORT,
  host: config.HOST,
  consumer: {
    groupId: config.NOTIFICATION_CONSUMER_GROUP,
    ...consumerSettings(config),
    partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
  },
  openApi: { title: 'Notification', description: 'Notifications to requesters, PSMs, support and the phone desk; phone-desk alerts', version: '1' },
});
