import 'reflect-metadata';
import { ConsumerGroups } from '#contracts';
import { bootstrapService, configOrExit, consumerSettings } from '#platform';
import { loadIntakeConfig } from './intake.config.js';
import { IntakeModule } from './intake.module.js';

const config = configOrExit('intake', () => loadIntakeConfig());
await bootstrapService({
  name: 'intake',
  module: IntakeModule.forRoot(config),
  port: config.INTAKE_PORT,
  host: config.HOST,
  bodyLimitBytes: 64 * 1024,
  consumer: {
    groupId: ConsumerGroups.intake,
    ...consumerSettings(config),
  },
  openApi: {
    title: 'Intake',
    description: 'The front door for chat, support form, phone desk and email requests',
    version: '1',
  },
});
