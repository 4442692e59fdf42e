import 'reflect-metadata';
import { bootstrapService, configOrExit } from '#platform';
import { loadRoutingConfig } from './routing.config.js';
import { RoutingModule } from './routing.module.js';
import { loadRuleSet } from '#rules';

const config = configOrExit('routing', () => loadRoutingConfig());
// A bad rule file stops the service here, with every problem listed.
const ruleSet = loadRuleSet(config.ROUTING_RULES_FILE);
await bootstrapService({
  name: 'routing',
  module: RoutingModule.forRoot(config, ruleSet),
  port: config.ROUTING_PORT,
  config,
  consumer: {
    groupId: config.ROUTING_CONSUMER_GROUP,
  },
  openApi: { title: 'Routing', description: 'Explainable routing rules and previews', version: '1' },
});
