import 'reflect-metadata';
import { bootstrapService, configOrExit } from '#platform';
import { loadHistoryConfig } from './history.config.js';
import { HistoryModule } from './history.module.js';

const config = configOrExit('history', () => loadHistoryConfig());
await bootstrapService({
  name: 'history',
  module: HistoryModule.forRoot(config),
  port: config.HISTORY_PORT,
  config,
  consumer: {
    groupId: config.HISTORY_CONSUMER_GROUP,
    maxBatchRecords: config.HISTORY_BATCH_RECORDS,
  },
  openApi: {
    title: 'History',
    description: 'Tamper-evident audit history of every support ticket event',
    version: '1',
  },
});
