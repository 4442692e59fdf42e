import { Logger } from '@nestjs/common';
import { errorCodeOf, isInfrastructureError, isRetriable, messageOf } from '../kafka.errors.js';
import type { DependencyFailureTest } from '../kafka.errors.js';
import { kafkaMetrics } from '../kafka.metrics.js';
import { doublingDelayMs } from '../restart-policy.js';

/** Attempts per record (the first included) before it is dead-lettered. */
export const DEFAULT_MAX_ATTEMPTS = 4;
/** Attempts of a whole slice of a batch before its records are tried one by one. */
export const WHOLE_SLICE_ATTEMPTS = 2;
export const DEFAULT_RETRY_BACKOFF_MS = 200;
export const DEFAULT_MAX_RETRY_BACKOFF_MS = 5_000;

export type AttemptOutcome =
  | { readonly kind: 'ok' }
  /** The consumer is stopping: leave the record for the next owner. */
  | { readonly kind: 'interrupted' }
  | { readonly kind: 'failed'; readonly error: unknown; readonly attempts: number };

export interface AttemptPolicyOptions {
  readonly groupId: string;
  readonly maxAttempts?: number;
  readonly retryBackoffMs?: number;
  readonly maxRetryBackoffMs?: number;
  readonly dependencyFailure?: DependencyFailureTest;
  /** Resolves true after the delay, false at once when the consumer is stopping. */
  readonly sleep: (ms: number) => Promise<boolean>;
}

/**
 * How often a piece of work is tried. Failures of the broker or the database are waited out for as
 * long as it takes (the partition waits, as everything else would) and never count against the
 * record; only the record's own failures do, up to the attempt budget; a failure that says
 * retrying cannot help ends it at once. Delays double, with jitter.
 */
export class AttemptPolicy {
  private readonly log = new Logger(AttemptPolicy.name);
  readonly maxAttempts: number;

  constructor(private readonly options: AttemptPolicyOptions) {
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  async attempt(
    topic: string,
    work: () => Promise<void>,
    heartbeat: () => Promise<void>,
    maxAttempts = this.maxAttempts,
  ): Promise<AttemptOutcome> {
    const base = this.options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS;
    const cap = this.options.maxRetryBackoffMs ?? DEFAULT_MAX_RETRY_BACKOFF_MS;
    let counted = 0;
    let waited = 0;
    for (;;) {
      try {
        await work();
        return { kind: 'ok' };
      } catch (error) {
        const infrastructure = isInfrastructureError(error, this.options.dependencyFailure);
        if (infrastructure) waited += 1;
        else counted += 1;
        if (!isRetriable(error) || (!infrastructure && counted >= maxAttempts))
          return { kind: 'failed', error, attempts: counted + waited };
        kafkaMetrics.retries.inc({ topic, group: this.options.groupId });
        const delay = doublingDelayMs(infrastructure ? waited : counted, base, cap) * (0.5 + Math.random() / 2);
        const label = infrastructure
          ? `dependency unavailable (wait ${waited})`
          : `attempt ${counted}/${maxAttempts} failed`;
        this.log.warn(
          `${topic}: ${label} (${errorCodeOf(error)}: ${messageOf(error)}), retrying in ${Math.round(delay)} ms`,
        );
        if (!(await this.options.sleep(delay))) return { kind: 'interrupted' };
        await heartbeat();
      }
    }
  }
}
