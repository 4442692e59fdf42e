import 'reflect-metadata';
import { ConsumerGroups } from '#contracts';
import { bootstrapService } from '#platform';
import { loadNotificationConfig } from './notification.config.js';
import { NotificationModule } from './notification.module.js';

const config = loadNotificationConfig();
await bootstrapService({
  name: 'notification',
  module: NotificationModule.forRoot(config),
  port: config.NOTIFICATION_PORT,
  host: config.HOST,
  consumer: { groupId: ConsumerGroups.notification },
  openApi: { title: 'Notification', description: 'Notifications to requesters, PSMs, support and the phone desk', version: '1' },
});
