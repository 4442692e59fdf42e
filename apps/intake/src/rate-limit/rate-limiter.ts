import { ApplicationError } from '#platform';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export const RATE_LIMITED = 'RATE_LIMITED';

/**
 * Token buckets per caller: `perMinute` requests a minute on average, bursts up to the same
 * number. Per instance: N intake instances allow N times the rate (documented in the README).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token or throws 429 with the seconds until the next one. */
  take(caller: string): void {
    const now = this.now();
    this.sweep(now);
    const ratePerMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(caller) ?? { tokens: this.perMinute, updatedAt: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedAt) * ratePerMs);
    bucket.updatedAt = now;
    this.buckets.set(caller, bucket);
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000));
      throw new ApplicationError(
        RATE_LIMITED,
        429,
        `too many requests: at most ${this.perMinute} a minute`,
        undefined,
        { 'retry-after': String(retryAfter) },
      );
    }
    bucket.tokens -= 1;
  }

  /** Forgets full buckets now and then, so memory follows the active callers only. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [caller, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * (this.perMinute / 60_000) >= this.perMinute)
        this.buckets.delete(caller);
    }
  }
}
