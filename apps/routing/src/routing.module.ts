import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { AuthModule, KafkaHealthIndicator, KafkaModule, kafkaSettings, PlatformModule } from '#platform';
import { AgentDirectory } from './psm/agent-directory.js';
import { PsmDirectory } from './psm/psm-directory.js';
import { RoutingConfig } from './routing.config.js';
import { RoutingConsumer } from './routing/routing.consumer.js';
import { RoutingService } from './routing/routing.service.js';
import { RulesController } from './routing/rules.controller.js';
import { RoutingPolicy } from './rules/routing-policy.js';
import type { RuleSet } from '#rules';

@Module({})
export class RoutingModule {
  static forRoot(config: RoutingConfig, ruleSet: RuleSet): DynamicModule {
    return {
      module: RoutingModule,
      imports: [
        KafkaModule.forRoot({
          ...kafkaSettings(config),
          clientId: 'support-routing',
          source: '/support/routing',
          consumes: true,
        }),
        PlatformModule.forRoot({ service: 'routing', indicators: [KafkaHealthIndicator] }),
        AuthModule.forRoot(config.tokenVerifierOptions),
      ],
      controllers: [RulesController, RoutingConsumer],
      providers: [
        { provide: RoutingConfig, useValue: config },
        { provide: RoutingPolicy, useValue: new RoutingPolicy(ruleSet) },
        PsmDirectory,
        AgentDirectory,
        RoutingService,
      ],
    };
  }
}
