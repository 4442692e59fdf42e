import fc from 'fast-check';
import { nextStep, retryDelayMs } from './retry-policy.js';
import type { AttemptResult, RetryPolicy } from './retry-policy.js';

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000, ...overrides };
}

function failure(overrides: Partial<Extract<AttemptResult, { kind: 'failed' }>> = {}): AttemptResult {
  return { kind: 'failed', code: 'HTTP_STATUS', message: 'receiver answered 503', retriable: true, ...overrides };
}

describe(retryDelayMs.name, () => {
  it('doubles from the base delay, between half and all of it', () => {
    const sut = policy();

    expect([1, 2, 3].map((attempt) => retryDelayMs(attempt, sut, () => 0))).toEqual([500, 1_000, 2_000]);
    expect([1, 2, 3].map((attempt) => retryDelayMs(attempt, sut, () => 1))).toEqual([1_000, 2_000, 4_000]);
  });

  it('stays within [half, all] of the capped exponential for any attempt and any draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, draw) => {
          const sut = policy();
          const exponential = Math.min(sut.maxDelayMs, sut.baseDelayMs * 2 ** (attempt - 1));

          const delay = retryDelayMs(attempt, sut, () => draw);

          expect(delay).toBeGreaterThanOrEqual(Math.floor(exponential / 2));
          expect(delay).toBeLessThanOrEqual(exponential);
        },
      ),
    );
  });

  it('spreads retries of the same attempt apart (jitter)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(4, policy())));

    expect(delays.size).toBeGreaterThan(10);
  });
});

describe(nextStep.name, () => {
  it('settles a delivered notification', () => {
    expect(nextStep({ kind: 'sent' }, 1, policy())).toEqual({
      state: 'sent',
      outcome: 'sent',
      retryInMs: null,
      error: null,
    });
  });

  it('settles a skipped notification with its reason', () => {
    expect(nextStep({ kind: 'skipped', reason: 'no address' }, 1, policy())).toEqual({
      state: 'skipped',
      outcome: 'skipped',
      retryInMs: null,
      error: 'no address',
    });
  });

  it('schedules a retriable failure again, after the backoff', () => {
    const sut = nextStep(failure(), 2, policy(), () => 0.5);

    expect(sut).toEqual({
      state: 'pending',
      outcome: 'retrying',
      retryInMs: 1_500,
      error: 'HTTP_STATUS: receiver answered 503',
    });
  });

  it('fails for good after the last attempt', () => {
    expect(nextStep(failure(), 5, policy())).toMatchObject({ state: 'failed', outcome: 'failed', retryInMs: null });
  });

  it('fails at once when retrying cannot help', () => {
    expect(nextStep(failure({ retriable: false, message: 'receiver answered 410' }), 1, policy())).toEqual({
      state: 'failed',
      outcome: 'failed',
      retryInMs: null,
      error: 'HTTP_STATUS: receiver answered 410',
    });
  });

  it("waits as long as the receiver's Retry-After asks, within the longest delay", () => {
    expect(nextStep(failure({ retryAfterMs: 30_000 }), 1, policy(), () => 0).retryInMs).toBe(30_000);
    expect(nextStep(failure({ retryAfterMs: 3_600_000 }), 1, policy(), () => 0).retryInMs).toBe(60_000);
    expect(nextStep(failure({ retryAfterMs: 10 }), 1, policy(), () => 0).retryInMs).toBe(500);
  });
});
