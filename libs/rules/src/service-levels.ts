import type { Priority } from '#contracts';
import { BusinessCalendar } from './business-calendar.js';
import type { RuleSet } from './rule-set.js';
import type { DueTime } from './ticket-progress.js';

/**
 * The response targets of a rule set: when a response is due, from a given instant, for a priority.
 * Routing uses it for the first response; desk and history for the next one, after a requester's
 * follow-up. All read the same rule set, so they agree on every due time.
 */
export class ServiceLevels {
  readonly calendar: BusinessCalendar;

  constructor(private readonly ruleSet: Pick<RuleSet, 'calendar' | 'sla'>) {
    this.calendar = new BusinessCalendar(ruleSet.calendar);
  }

  dueAt(priority: Priority, from: Date): Date {
    const target = this.ruleSet.sla[priority];
    if ('businessDays' in target)
      return this.calendar.addBusinessMinutes(from, target.businessDays * this.calendar.minutesPerDay);
    if (target.clock === 'business') return this.calendar.addBusinessMinutes(from, target.minutes);
    return new Date(from.getTime() + target.minutes * 60_000);
  }
}

/** A rule set's due times as a function (what desk's and history's ticket progress take). */
export function dueTimeOf(ruleSet: Pick<RuleSet, 'calendar' | 'sla'>): DueTime {
  const levels = new ServiceLevels(ruleSet);
  return (priority, from) => levels.dueAt(priority, from);
}
