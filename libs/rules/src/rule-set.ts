import { CHANNELS, PRIORITIES, QUEUES, REQUEST_TYPES, URGENCIES } from '#contracts';
import type { Channel, Priority, Queue, RequestType, Urgency } from '#contracts';
import type { CalendarSpec } from './business-calendar.js';

export type Condition =
  | { readonly always: true }
  | { readonly channel: readonly Channel[] }
  | { readonly requestType: readonly RequestType[] }
  | { readonly urgency: readonly Urgency[] }
  | { readonly aboutAccess: boolean }
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition };

export type PriorityChoice = Priority | ({ readonly default: Priority } & Partial<Record<Urgency, Priority>>);

export interface RuleAction {
  readonly queue: Queue;
  readonly priority: PriorityChoice;
  /** `dedicated-psm`: the organisation's PSM from the directory, or the PSM pool. */
  readonly assignee?: 'dedicated-psm';
  readonly alert?: boolean;
}

export interface Rule {
  readonly id: string;
  readonly when: Condition;
  readonly then: RuleAction;
  /** Template of the decision's reason; placeholders in braces. */
  readonly reason: string;
}

export type SlaTarget =
  { readonly minutes: number; readonly clock: 'calendar' | 'business' } | { readonly businessDays: number };

/**
 * How a queue's tickets go to a person: `round-robin` (the online agent with spare capacity who
 * was given a ticket longest ago), `least-loaded` (the one with the fewest unresolved tickets), or
 * `none` (agents pick from the queue).
 */
export const ASSIGNMENT_POLICIES = ['round-robin', 'least-loaded', 'none'] as const;
export type AssignmentPolicy = (typeof ASSIGNMENT_POLICIES)[number];

export interface AssignmentSpec {
  readonly policies: Readonly<Record<Queue, AssignmentPolicy>>;
  /** Unresolved tickets an agent takes at once, unless their presence says otherwise. */
  readonly defaultCapacity: number;
  /** Among available agents, those who speak the ticket's language first (where any does). */
  readonly preferLanguage: boolean;
}

export const DEFAULT_ASSIGNMENT: AssignmentSpec = {
  policies: { support: 'least-loaded', psm: 'none' },
  defaultCapacity: 5,
  preferLanguage: true,
};

export interface RuleSet {
  readonly version: string;
  readonly description?: string;
  readonly calendar: CalendarSpec;
  readonly sla: Readonly<Record<Priority, SlaTarget>>;
  readonly assignment: AssignmentSpec;
  readonly rules: readonly Rule[];
}

export const REASON_PLACEHOLDERS = [
  'channel',
  'requestType',
  'urgency',
  'accessEvidence',
  'alertTarget',
  'psm',
] as const;

export class RuleSetError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid rule set ${source}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'RuleSetError';
  }
}

type Json = unknown;

function isRecord(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkKeys(value: Record<string, Json>, allowed: readonly string[], path: string, problems: string[]): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) problems.push(`${path}: unknown property "${key}"`);
}

function checkList<T extends string>(value: Json, allowed: readonly T[], path: string, problems: string[]): void {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`${path}: must be a non-empty list of ${allowed.join(', ')}`);
    return;
  }
  for (const item of value)
    if (!allowed.includes(item as T)) problems.push(`${path}: "${String(item)}" is not one of ${allowed.join(', ')}`);
}

function checkCondition(value: Json, path: string, problems: string[], depth = 0): void {
  if (depth > 8) {
    problems.push(`${path}: conditions nested too deeply`);
    return;
  }
  if (!isRecord(value) || Object.keys(value).length !== 1) {
    problems.push(
      `${path}: a condition is an object with exactly one of always, channel, requestType, urgency, aboutAccess, all, any, not`,
    );
    return;
  }
  const [[kind, argument]] = Object.entries(value) as [[string, Json]];
  switch (kind) {
    case 'always':
      if (argument !== true) problems.push(`${path}.always: must be true`);
      return;
    case 'channel':
      return checkList(argument, CHANNELS, `${path}.channel`, problems);
    case 'requestType':
      return checkList(argument, REQUEST_TYPES, `${path}.requestType`, problems);
    case 'urgency':
      return checkList(argument, URGENCIES, `${path}.urgency`, problems);
    case 'aboutAccess':
      if (typeof argument !== 'boolean') problems.push(`${path}.aboutAccess: must be a boolean`);
      return;
    case 'all':
    case 'any':
      if (!Array.isArray(argument) || argument.length === 0)
        problems.push(`${path}.${kind}: must be a non-empty list of conditions`);
      else argument.forEach((child, index) => checkCondition(child, `${path}.${kind}[${index}]`, problems, depth + 1));
      return;
    case 'not':
      return checkCondition(argument, `${path}.not`, problems, depth + 1);
    default:
      problems.push(`${path}: unknown condition "${kind}"`);
  }
}

function checkPriority(value: Json, path: string, problems: string[]): void {
  if (typeof value === 'string') {
    if (!(PRIORITIES as readonly string[]).includes(value))
      problems.push(`${path}: "${value}" is not one of ${PRIORITIES.join(', ')}`);
    return;
  }
  if (!isRecord(value) || typeof value.default !== 'string') {
    problems.push(`${path}: a priority or {"default": priority, "<urgency>": priority, ...}`);
    return;
  }
  checkKeys(value, ['default', ...URGENCIES], path, problems);
  for (const [key, priority] of Object.entries(value)) {
    if (!(PRIORITIES as readonly unknown[]).includes(priority))
      problems.push(`${path}.${key}: "${String(priority)}" is not one of ${PRIORITIES.join(', ')}`);
  }
}

function checkSla(value: Json, problems: string[]): void {
  if (!isRecord(value)) {
    problems.push('sla: must map P1..P4 to {minutes, clock} or {businessDays}');
    return;
  }
  checkKeys(value, PRIORITIES, 'sla', problems);
  for (const priority of PRIORITIES) {
    const target = value[priority];
    const path = `sla.${priority}`;
    if (!isRecord(target)) {
      problems.push(`${path}: missing`);
      continue;
    }
    if ('businessDays' in target) {
      checkKeys(target, ['businessDays'], path, problems);
      if (typeof target.businessDays !== 'number' || !(target.businessDays > 0))
        problems.push(`${path}.businessDays: must be a positive number`);
    } else {
      checkKeys(target, ['minutes', 'clock'], path, problems);
      if (typeof target.minutes !== 'number' || !(target.minutes > 0))
        problems.push(`${path}.minutes: must be a positive number`);
      if (target.clock !== 'calendar' && target.clock !== 'business')
        problems.push(`${path}.clock: must be "calendar" or "business"`);
    }
  }
}

function checkCalendar(value: Json, problems: string[]): void {
  if (!isRecord(value)) {
    problems.push('calendar: missing');
    return;
  }
  checkKeys(value, ['timeZone', 'workingDays', 'opens', 'closes', 'holidays'], 'calendar', problems);
  try {
    new Intl.DateTimeFormat('en', { timeZone: String(value.timeZone) });
  } catch {
    problems.push(`calendar.timeZone: "${String(value.timeZone)}" is not a known IANA time zone`);
  }
  if (
    !Array.isArray(value.workingDays) ||
    !value.workingDays.every((day) => Number.isInteger(day) && day >= 1 && day <= 7)
  ) {
    problems.push('calendar.workingDays: must list ISO weekdays 1 (Monday) to 7 (Sunday)');
  }
  for (const key of ['opens', 'closes']) {
    if (typeof value[key] !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(value[key]))
      problems.push(`calendar.${key}: must be "HH:MM"`);
  }
  if (value.holidays !== 'FR' && value.holidays !== 'none') problems.push('calendar.holidays: must be "FR" or "none"');
}

function checkAssignment(value: Json, problems: string[]): void {
  if (value === undefined) return;
  if (!isRecord(value)) {
    problems.push('assignment: must be {"policies": {...}, "defaultCapacity": n, "preferLanguage": boolean}');
    return;
  }
  checkKeys(value, ['policies', 'defaultCapacity', 'preferLanguage'], 'assignment', problems);
  if (value.policies !== undefined) {
    if (!isRecord(value.policies)) problems.push(`assignment.policies: must map ${QUEUES.join(', ')} to a policy`);
    else {
      checkKeys(value.policies, QUEUES, 'assignment.policies', problems);
      for (const [queue, policy] of Object.entries(value.policies)) {
        if (!(ASSIGNMENT_POLICIES as readonly unknown[]).includes(policy))
          problems.push(`assignment.policies.${queue}: must be one of ${ASSIGNMENT_POLICIES.join(', ')}`);
      }
    }
  }
  if (
    value.defaultCapacity !== undefined &&
    (!Number.isInteger(value.defaultCapacity) ||
      (value.defaultCapacity as number) < 1 ||
      (value.defaultCapacity as number) > 1_000)
  )
    problems.push('assignment.defaultCapacity: must be an integer from 1 to 1000');
  if (value.preferLanguage !== undefined && typeof value.preferLanguage !== 'boolean')
    problems.push('assignment.preferLanguage: must be a boolean');
}

/** The assignment section with its defaults filled in (a rule file may leave it out). */
function assignmentOf(value: Json): AssignmentSpec {
  const given = isRecord(value) ? value : {};
  const policies = isRecord(given.policies) ? given.policies : {};
  return {
    policies: { ...DEFAULT_ASSIGNMENT.policies, ...(policies as Partial<Record<Queue, AssignmentPolicy>>) },
    defaultCapacity:
      typeof given.defaultCapacity === 'number' ? given.defaultCapacity : DEFAULT_ASSIGNMENT.defaultCapacity,
    preferLanguage:
      typeof given.preferLanguage === 'boolean' ? given.preferLanguage : DEFAULT_ASSIGNMENT.preferLanguage,
  };
}

/** Validates a parsed rule file; every problem is reported, with its path. */
export function parseRuleSet(value: Json, source: string): RuleSet {
  const problems: string[] = [];
  if (!isRecord(value)) throw new RuleSetError(source, ['the file must hold a JSON object']);
  checkKeys(value, ['version', 'description', 'calendar', 'sla', 'assignment', 'rules', '$schema'], '', problems);
  if (typeof value.version !== 'string' || value.version.length === 0)
    problems.push('version: must be a non-empty string');
  checkCalendar(value.calendar, problems);
  checkSla(value.sla, problems);
  checkAssignment(value.assignment, problems);
  const rules = value.rules;
  if (!Array.isArray(rules) || rules.length === 0) {
    problems.push('rules: must be a non-empty list');
  } else {
    const ids = new Set<string>();
    rules.forEach((rule: Json, index) => {
      const path = `rules[${index}]`;
      if (!isRecord(rule)) {
        problems.push(`${path}: must be an object`);
        return;
      }
      checkKeys(rule, ['id', 'description', 'when', 'then', 'reason'], path, problems);
      if (typeof rule.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(rule.id))
        problems.push(`${path}.id: must be a kebab-case string`);
      else if (ids.has(rule.id)) problems.push(`${path}.id: "${rule.id}" is used twice`);
      else ids.add(rule.id);
      checkCondition(rule.when, `${path}.when`, problems);
      const action = rule.then;
      if (!isRecord(action)) problems.push(`${path}.then: must be an object`);
      else {
        checkKeys(action, ['queue', 'priority', 'assignee', 'alert'], `${path}.then`, problems);
        if (!(QUEUES as readonly unknown[]).includes(action.queue))
          problems.push(`${path}.then.queue: must be one of ${QUEUES.join(', ')}`);
        checkPriority(action.priority, `${path}.then.priority`, problems);
        if (action.assignee !== undefined && action.assignee !== 'dedicated-psm')
          problems.push(`${path}.then.assignee: only "dedicated-psm" is known`);
        if (action.assignee === 'dedicated-psm' && action.queue !== 'psm')
          problems.push(`${path}.then.assignee: "dedicated-psm" needs queue "psm"`);
        if (action.alert !== undefined && typeof action.alert !== 'boolean')
          problems.push(`${path}.then.alert: must be a boolean`);
      }
      if (typeof rule.reason !== 'string' || rule.reason.length === 0)
        problems.push(`${path}.reason: must be a non-empty template`);
      else {
        for (const [, name] of rule.reason.matchAll(/\{([^}]*)\}/g)) {
          if (!(REASON_PLACEHOLDERS as readonly string[]).includes(name ?? ''))
            problems.push(`${path}.reason: unknown placeholder {${name}}`);
        }
      }
    });
    const last = rules[rules.length - 1] as Json;
    if (!isRecord(last) || !isRecord(last.when) || last.when.always !== true) {
      problems.push('rules: the last rule must match always ({"always": true}), so every request gets a decision');
    }
  }
  if (problems.length > 0) throw new RuleSetError(source, problems);
  return { ...(value as unknown as RuleSet), assignment: assignmentOf(value.assignment) };
}
