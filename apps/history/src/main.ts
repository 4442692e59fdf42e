import 'reflect-metadata';
import { ConsumerGroups } from '#contracts';
import { bootstrapService } from '#platform';
import { loadHistoryConfig } from './history.config.js';
import { HistoryModule } from './history.module.js';

const config = loadHistoryConfig();
await bootstrapService({
  name: 'history',
  module: HistoryModule.forRoot(config),
  port: config.HISTORY_PORT,
  host: config.HOST,
  consumer: { groupId: ConsumerGroups.history, maxAttempts: config.KAFKA_MAX_ATTEMPTS },
  openApi: { title: 'History', description: 'Audit history of every support ticket event', version: '1' },
});
