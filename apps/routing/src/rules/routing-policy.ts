import type { AlertTarget, Channel, Priority, RequestType, RoutingDecisionPayload, Urgency } from '#contracts';
import { findAccessTerm } from './access-lexicon.js';
import { ServiceLevels } from '#rules';
import type { BusinessCalendar, Condition, PriorityChoice, RuleSet } from '#rules';

/** What routing looks at in a ticket. */
export interface RoutingInput {
  readonly ticketId: string;
  readonly channel: Channel;
  readonly requestType: RequestType | null;
  readonly urgency: Urgency;
  readonly subject: string | null;
  readonly message: string;
  readonly orgId: string | null;
}

export interface PsmLookup {
  dedicatedPsm(orgId: string): string | undefined;
}

interface Facts {
  readonly input: RoutingInput;
  readonly accessEvidence: string | null;
}

function matches(condition: Condition, facts: Facts): boolean {
  if ('always' in condition) return true;
  if ('channel' in condition) return condition.channel.includes(facts.input.channel);
  if ('requestType' in condition)
    return facts.input.requestType !== null && condition.requestType.includes(facts.input.requestType);
  if ('urgency' in condition) return condition.urgency.includes(facts.input.urgency);
  if ('aboutAccess' in condition) return (facts.accessEvidence !== null) === condition.aboutAccess;
  if ('all' in condition) return condition.all.every((child) => matches(child, facts));
  if ('any' in condition) return condition.any.some((child) => matches(child, facts));
  return !matches(condition.not, facts);
}

function choosePriority(choice: PriorityChoice, urgency: Urgency): Priority {
  return typeof choice === 'string' ? choice : (choice[urgency] ?? choice.default);
}

/** Evaluates a rule set: rules in order, the first match wins; pure, so it is also the preview. */
export class RoutingPolicy {
  readonly serviceLevels: ServiceLevels;

  constructor(readonly ruleSet: RuleSet) {
    this.serviceLevels = new ServiceLevels(ruleSet);
  }

  get calendar(): BusinessCalendar {
    return this.serviceLevels.calendar;
  }

  decide(input: RoutingInput, at: Date, psms: PsmLookup): RoutingDecisionPayload {
    const accessTerm = findAccessTerm(input.subject, input.message);
    const accessEvidence =
      input.requestType === 'access_problem'
        ? 'request type access_problem'
        : accessTerm === null
          ? null
          : `"${accessTerm}"`;
    const facts: Facts = { input, accessEvidence };
    const rule = this.ruleSet.rules.find((candidate) => matches(candidate.when, facts));
    if (!rule)
      throw new Error(`rule set ${this.ruleSet.version} has no matching rule (the last rule must always match)`);

    const priority = choosePriority(rule.then.priority, input.urgency);
    const alertTarget: AlertTarget | null = rule.then.alert
      ? this.calendar.isOpen(at)
        ? 'phone-desk'
        : 'on-call'
      : null;
    let assignee: string | null = null;
    let psm = 'the PSM pool';
    if (rule.then.assignee === 'dedicated-psm') {
      const dedicated = input.orgId === null ? undefined : psms.dedicatedPsm(input.orgId);
      if (dedicated) {
        assignee = dedicated;
        psm = `the organisation's dedicated PSM ${dedicated}`;
      } else {
        psm =
          input.orgId === null
            ? 'the PSM pool (no organisation known)'
            : `the PSM pool (organisation ${input.orgId} has no dedicated PSM)`;
      }
    }
    const values: Record<string, string> = {
      channel: input.channel,
      requestType: input.requestType ?? 'no request type',
      urgency: input.urgency,
      accessEvidence: accessEvidence ?? 'none',
      alertTarget: alertTarget === 'on-call' ? 'on-call (phone desk closed)' : (alertTarget ?? 'nobody'),
      psm,
    };
    return {
      ticketId: input.ticketId,
      queue: rule.then.queue,
      assignee,
      priority,
      slaDueAt: this.slaDueAt(priority, at).toISOString(),
      ruleId: rule.id,
      ruleSetVersion: this.ruleSet.version,
      reason: rule.reason.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`),
      alert: alertTarget === null ? null : { target: alertTarget },
    };
  }

  slaDueAt(priority: Priority, from: Date): Date {
    return this.serviceLevels.dueAt(priority, from);
  }
}
