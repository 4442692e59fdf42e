import { KafkaErrorCode, KafkaPublishError, NonRetriableEventError } from '../kafka.errors.js';
import { AttemptPolicy } from './attempt-policy.js';

const noWait = async (): Promise<boolean> => true;
const heartbeat = async (): Promise<void> => undefined;

function failing(errors: readonly Error[]): { work: () => Promise<void>; calls: () => number } {
  let calls = 0;
  return {
    work: async () => {
      const error = errors[calls];
      calls += 1;
      if (error !== undefined) throw error;
    },
    calls: () => calls,
  };
}

describe(AttemptPolicy.name, () => {
  const sut = new AttemptPolicy({ groupId: 'g', maxAttempts: 3, sleep: noWait });

  it('gives up on the record’s own failures after the attempt budget', async () => {
    const bug = new Error('handler bug');
    const work = failing([bug, bug, bug, bug]);

    await expect(sut.attempt('t', work.work, heartbeat)).resolves.toEqual({ kind: 'failed', error: bug, attempts: 3 });
    expect(work.calls()).toBe(3);
  });

  it('waits out the broker and the database without counting them against the record', async () => {
    const down = new KafkaPublishError(KafkaErrorCode.unavailable, 'no broker');
    const databaseDown = Object.assign(new Error('terminating'), { code: '57P01' });
    const policy = new AttemptPolicy({
      groupId: 'g',
      maxAttempts: 2,
      sleep: noWait,
      dependencyFailure: (error) => error === databaseDown,
    });
    const work = failing([down, down, databaseDown, down, down, databaseDown, new Error('bug')]);

    await expect(policy.attempt('t', work.work, heartbeat)).resolves.toEqual({ kind: 'ok' });
    expect(work.calls()).toBe(8);
  });

  it('stops at once on a failure that says retrying cannot help', async () => {
    const invalid = new NonRetriableEventError('INVALID_EVENT', 'bad');

    await expect(sut.attempt('t', failing([invalid]).work, heartbeat)).resolves.toEqual({
      kind: 'failed',
      error: invalid,
      attempts: 1,
    });
  });

  it('is interrupted when the consumer stops during a wait', async () => {
    const stopping = new AttemptPolicy({ groupId: 'g', sleep: async () => false });

    await expect(stopping.attempt('t', failing([new Error('x')]).work, heartbeat)).resolves.toEqual({
      kind: 'interrupted',
    });
  });
});
