import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuleSet } from './rule-set.loader.js';
import { RuleSetError, parseRuleSet } from './rule-set.js';

const valid = (): Record<string, unknown> => JSON.parse(JSON.stringify(loadRuleSet())) as Record<string, unknown>;

describe(parseRuleSet.name, () => {
  it('accepts the default rule file, whose rules are the product policy in order', () => {
    const sut = loadRuleSet();

    expect(sut.rules.map((rule) => rule.id)).toEqual([
      'urgent-access',
      'chat-to-psm',
      'critical-bug',
      'technical',
      'feature-idea',
      'fallback',
    ]);
  });

  it.each([
    {
      name: 'unknown queue',
      mutate: (set: Record<string, unknown>) => ((set.rules as { then: { queue: string } }[])[0]!.then.queue = 'sales'),
      problem: 'then.queue',
    },
    {
      name: 'unknown priority',
      mutate: (set: Record<string, unknown>) =>
        ((set.rules as { then: { priority: string } }[])[4]!.then.priority = 'P9'),
      problem: '"P9"',
    },
    {
      name: 'duplicate rule id',
      mutate: (set: Record<string, unknown>) => ((set.rules as { id: string }[])[1]!.id = 'urgent-access'),
      problem: 'used twice',
    },
    {
      name: 'no catch-all last rule',
      mutate: (set: Record<string, unknown>) => (set.rules as unknown[]).pop(),
      problem: 'last rule must match always',
    },
    {
      name: 'unknown condition',
      mutate: (set: Record<string, unknown>) => ((set.rules as { when: unknown }[])[2]!.when = { weekday: ['monday'] }),
      problem: 'unknown condition "weekday"',
    },
    {
      name: 'unknown placeholder',
      mutate: (set: Record<string, unknown>) => ((set.rules as { reason: string }[])[3]!.reason = 'for {customer}'),
      problem: 'unknown placeholder {customer}',
    },
    {
      name: 'bad time zone',
      mutate: (set: Record<string, unknown>) => ((set.calendar as { timeZone: string }).timeZone = 'Europe/Atlantis'),
      problem: 'calendar.timeZone',
    },
    {
      name: 'missing SLA',
      mutate: (set: Record<string, unknown>) => delete (set.sla as Record<string, unknown>).P4,
      problem: 'sla.P4: missing',
    },
    {
      name: 'unknown property',
      mutate: (set: Record<string, unknown>) => (set.owner = 'me'),
      problem: 'unknown property "owner"',
    },
    { name: 'missing version', mutate: (set: Record<string, unknown>) => delete set.version, problem: 'version' },
  ])('refuses a rule set with $name', ({ mutate, problem }) => {
    const ruleSet = valid();
    mutate(ruleSet);

    expect(() => parseRuleSet(ruleSet, 'test.json')).toThrow(RuleSetError);
    expect(() => parseRuleSet(ruleSet, 'test.json')).toThrow(problem);
  });

  it('names the file and the JSON problem of an unreadable rule file', () => {
    const folder = mkdtempSync(join(tmpdir(), 'rules-'));
    const file = join(folder, 'broken.json');
    writeFileSync(file, '{"version": ');

    expect(() => loadRuleSet(file)).toThrow(/broken\.json[\s\S]*not valid JSON/);
  });
});
