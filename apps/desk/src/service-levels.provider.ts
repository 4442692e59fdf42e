import type { FactoryProvider } from '@nestjs/common';
import { dueTimeOf, loadRuleSet } from '#rules';
import type { AssignmentSpec, DueTime, RuleSet } from '#rules';
import { DeskConfig } from './desk.config.js';

/** The rule set desk works by (SLA targets, business calendar, assignment policies). */
export const RULE_SET = Symbol('RULE_SET');
/** When a response is due (`DueTime`), from the rule set's SLA targets and business calendar. */
export const SERVICE_LEVELS = Symbol('SERVICE_LEVELS');
/** The rule set's assignment policies. */
export const ASSIGNMENT_SPEC = Symbol('ASSIGNMENT_SPEC');

export const ruleSetProviders: FactoryProvider[] = [
  {
    provide: RULE_SET,
    useFactory: (config: DeskConfig): RuleSet => loadRuleSet(config.ROUTING_RULES_FILE),
    inject: [DeskConfig],
  },
  {
    provide: SERVICE_LEVELS,
    useFactory: (ruleSet: RuleSet): DueTime => dueTimeOf(ruleSet),
    inject: [RULE_SET],
  },
  {
    provide: ASSIGNMENT_SPEC,
    useFactory: (ruleSet: RuleSet): AssignmentSpec => ruleSet.assignment,
    inject: [RULE_SET],
  },
];
