import { escalationStep, firstEscalationAt } from './escalation-policy.js';

const AT = new Date('2026-11-25T10:00:00.000Z');
const POLICY = { ackTimeoutMs: 5 * 60_000, maxEscalations: 3 };

describe(firstEscalationAt.name, () => {
  it('gives the desk one full timeout from the moment the alert is recorded', () => {
    expect(firstEscalationAt(AT, POLICY)).toEqual(new Date('2026-11-25T10:05:00.000Z'));
  });

  it('sets no deadline when escalation is switched off', () => {
    expect(firstEscalationAt(AT, { ...POLICY, maxEscalations: 0 })).toBeNull();
  });
});

describe(escalationStep.name, () => {
  it('moves to the next level and opens a new timeout from now', () => {
    expect(escalationStep(0, AT, POLICY)).toEqual({ level: 1, nextEscalationAt: new Date('2026-11-25T10:05:00.000Z') });
    expect(escalationStep(1, AT, POLICY)).toEqual({ level: 2, nextEscalationAt: new Date('2026-11-25T10:05:00.000Z') });
  });

  it('schedules nothing after the last escalation', () => {
    expect(escalationStep(2, AT, POLICY)).toEqual({ level: 3, nextEscalationAt: null });
  });
});
