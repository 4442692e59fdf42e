import type { NotificationOutcome } from '#contracts';
import type { DeliveryState } from './delivery.repository.js';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": the n-th retry waits between half and all of
 * base * 2^(n-1), capped; the random half spreads out receivers' recoveries.
 */
export function retryDelayMs(failedAttempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

export type AttemptResult =
  | { readonly kind: 'sent' }
  | { readonly kind: 'skipped'; readonly reason: string }
  | {
      readonly kind: 'failed';
      readonly code: string;
      readonly message: string;
      readonly retriable: boolean;
      readonly retryAfterMs?: number;
    };

export interface NextStep {
  readonly state: DeliveryState;
  readonly outcome: NotificationOutcome;
  /** Wait before the next attempt (pending only). */
  readonly retryInMs: number | null;
  readonly error: string | null;
}

/** What follows an attempt: done, skipped, another attempt later, or a final failure. */
export function nextStep(
  result: AttemptResult,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): NextStep {
  switch (result.kind) {
    case 'sent':
      return { state: 'sent', outcome: 'sent', retryInMs: null, error: null };
    case 'skipped':
      return { state: 'skipped', outcome: 'skipped', retryInMs: null, error: result.reason };
    case 'failed': {
      const error = `${result.code}: ${result.message}`;
      if (!result.retriable || attempt >= policy.maxAttempts)
        return { state: 'failed', outcome: 'failed', retryInMs: null, error };
      const backoff = retryDelayMs(attempt, policy, random);
      // A receiver's Retry-After is honoured, within the policy's longest wait.
      const asked = result.retryAfterMs === undefined ? 0 : Math.min(result.retryAfterMs, policy.maxDelayMs);
      return { state: 'pending', outcome: 'retrying', retryInMs: Math.max(backoff, asked), error };
    }
  }
}
