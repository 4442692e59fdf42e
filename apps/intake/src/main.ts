import 'reflect-metadata';
import { bootstrapService, configOrExit } from '#platform';
import { loadIntakeConfig } from './intake.config.js';
import { IntakeModule } from './intake.module.js';

const config = configOrExit('intake', () => loadIntakeConfig());
await bootstrapService({
  name: 'intake',
  module: IntakeModule.forRoot(config),
  port: config.INTAKE_PORT,
  config,
  bodyLimitBytes: 64 * 1024,
  consumer: {
    groupId: config.INTAKE_CONSUMER_GROUP,
  },
  openApi: {
    title: 'Intake',
    description: 'The front door for chat, support form, phone desk and email requests',
    version: '1',
  },
});
