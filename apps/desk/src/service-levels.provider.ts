import type { FactoryProvider } from '@nestjs/common';
import { ServiceLevels, loadRuleSet } from '#rules';
import type { DueTime } from '#rules';
import { DeskConfig } from './desk.config.js';

/** When a response is due (`DueTime`), from the rule set's SLA targets and business calendar. */
export const SERVICE_LEVELS = Symbol('SERVICE_LEVELS');

export const serviceLevelsProvider: FactoryProvider<DueTime> = {
  provide: SERVICE_LEVELS,
  useFactory: (config: DeskConfig): DueTime => {
    const levels = new ServiceLevels(loadRuleSet(config.ROUTING_RULES_FILE));
    return (priority, from) => levels.dueAt(priority, from);
  },
  inject: [DeskConfig],
};
