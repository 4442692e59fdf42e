import { dueTimeOf, loadRuleSet } from '#rules';
import type { DueTime } from '#rules';

/** When a response is due (`DueTime`), from the rule set's SLA targets and business calendar (as desk). */
export const SERVICE_LEVELS = Symbol('SERVICE_LEVELS');

/** The rule set's due times: history, desk and routing read the same file, so they agree on every one. */
export function serviceLevelsOf(rulesFile: string): DueTime {
  return dueTimeOf(loadRuleSet(rulesFile));
}
