import { Logger } from '@nestjs/common';
import type { AttemptOutcome } from './attempt-policy.js';

/** What became of one record of a slice. */
export type RecordOutcome<T> =
  | { readonly record: T; readonly handled: true }
  | { readonly record: T; readonly handled: false; readonly error: unknown; readonly attempts: number };

export interface SliceResult<T> {
  /** In the slice's order, up to where the work stopped. */
  readonly outcomes: readonly RecordOutcome<T>[];
  /** The consumer is stopping: the records after the last outcome are left for the next owner. */
  readonly interrupted: boolean;
}

const log = new Logger('FailureIsolation');

/**
 * Handles a slice of records so that one bad record never holds the others back: the slice is tried
 * whole (`tryWhole`, a few attempts), and when that fails each record is tried on its own
 * (`tryOne`, its full attempt budget), so that only the records at fault are given up. Without
 * `tryWhole` (handlers of one record), every record is tried on its own from the start.
 */
export async function isolateFailures<T>(
  label: string,
  records: readonly T[],
  tryOne: (record: T) => Promise<AttemptOutcome>,
  whole?: {
    /** The slice's readable records, at once. */
    readonly attempt: () => Promise<AttemptOutcome>;
    /** A record that was never part of the whole attempt (unreadable), and why: it fails even when the rest succeeds. */
    readonly excluded: (record: T) => { readonly error: unknown } | undefined;
  },
): Promise<SliceResult<T>> {
  if (records.length === 0) return { outcomes: [], interrupted: false };
  if (whole) {
    const outcome = await whole.attempt();
    if (outcome.kind === 'interrupted') return { outcomes: [], interrupted: true };
    if (outcome.kind === 'ok') {
      return {
        outcomes: records.map((record): RecordOutcome<T> => {
          const excluded = whole.excluded(record);
          return excluded ? { record, handled: false, error: excluded.error, attempts: 1 } : { record, handled: true };
        }),
        interrupted: false,
      };
    }
    log.warn(`${label}: a slice of ${records.length} failed, retrying record by record`);
  }
  const outcomes: RecordOutcome<T>[] = [];
  for (const record of records) {
    const outcome = await tryOne(record);
    if (outcome.kind === 'interrupted') return { outcomes, interrupted: true };
    outcomes.push(
      outcome.kind === 'ok'
        ? { record, handled: true }
        : { record, handled: false, error: outcome.error, attempts: outcome.attempts },
    );
  }
  return { outcomes, interrupted: false };
}
