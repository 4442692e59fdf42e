import 'reflect-metadata';
import { bootstrapService, configOrExit } from '#platform';
import { loadNotificationConfig } from './notification.config.js';
import { NotificationModule } from './notification.module.js';

const config = configOrExit('notification', () => loadNotificationConfig());

await bootstrapService({
  name: 'notification',
  module: NotificationModule.forRoot(config),
  port: config.NOTIFICATION_PORT,
  config,
  consumer: {
    groupId: config.NOTIFICATION_CONSUMER_GROUP,
  },
  openApi: {
    title: 'Notification',
    description: 'Notifications to requesters, PSMs, support and the phone desk; phone-desk alerts',
    version: '1',
  },
});
