import 'reflect-metadata';
import { bootstrapService, configOrExit } from '#platform';
import { loadDeskConfig } from './desk.config.js';
import { DeskModule } from './desk.module.js';

const config = configOrExit('desk', () => loadDeskConfig());

await bootstrapService({
  name: 'desk',
  module: DeskModule.forRoot(config),
  port: config.DESK_PORT,
  config,
  consumer: {
    groupId: config.DESK_CONSUMER_GROUP,
  },
  openApi: {
    title: 'Desk',
    description: 'Where agents, PSMs and team leads work the queues: tickets, conversations, live events',
    version: '1',
  },
});
