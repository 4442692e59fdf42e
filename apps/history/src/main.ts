import 'reflect-metadata';
import { bootstrapService, configOrExit, consumerSettings } from '#platform';
import { loadHistoryConfig } from './history.config.js';
import { HistoryModule } from './history.module.js';

const config = configOrExit('history', () => loadHistoryConfig());
await bootstrapService({
  name: 'history',
  module: HistoryModule.forRoot(config),
  port: config.HISTORY_PORT,
  host: config.HOST,
  consumer: {
    groupId: config.HISTORY_CONSUMER_GROUP,
    ...consumerSettings(config),
    maxBatchRecords: config.HISTORY_BATCH_RECORDS,
    partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
  },
  openApi: {
    title: 'History',
    description: 'Tamper-evident audit history of every support ticket event',
    version: '1',
  },
});
