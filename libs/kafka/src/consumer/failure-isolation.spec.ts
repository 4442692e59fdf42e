import { isolateFailures } from './failure-isolation.js';
import type { AttemptOutcome } from './attempt-policy.js';

const ok: AttemptOutcome = { kind: 'ok' };

describe(isolateFailures.name, () => {
  it('handles a slice whole when it can, still failing the records that were never part of it', async () => {
    const tried: string[] = [];

    const sut = await isolateFailures('t', ['a', 'unreadable', 'b'], async (record) => (tried.push(record), ok), {
      attempt: async () => ok,
      excluded: (record) => (record === 'unreadable' ? { error: 'no JSON' } : undefined),
    });

    expect(tried).toEqual([]);
    expect(sut).toEqual({
      interrupted: false,
      outcomes: [
        { record: 'a', handled: true },
        { record: 'unreadable', handled: false, error: 'no JSON', attempts: 1 },
        { record: 'b', handled: true },
      ],
    });
  });

  it('tries each record on its own when the whole slice fails, so only the bad one is given up', async () => {
    const sut = await isolateFailures(
      't',
      ['a', 'poison', 'b'],
      async (record) => (record === 'poison' ? { kind: 'failed', error: 'boom', attempts: 4 } : ok),
      { attempt: async () => ({ kind: 'failed', error: 'boom', attempts: 2 }), excluded: () => undefined },
    );

    expect(sut.outcomes.map((outcome) => [outcome.record, outcome.handled])).toEqual([
      ['a', true],
      ['poison', false],
      ['b', true],
    ]);
    expect(sut.outcomes[1]).toMatchObject({ error: 'boom', attempts: 4 });
  });

  it('stops where the consumer was interrupted, reporting what was done before', async () => {
    const sut = await isolateFailures('t', ['a', 'b', 'c'], async (record) =>
      record === 'b' ? { kind: 'interrupted' } : ok,
    );

    expect(sut).toEqual({ interrupted: true, outcomes: [{ record: 'a', handled: true }] });
  });
});
