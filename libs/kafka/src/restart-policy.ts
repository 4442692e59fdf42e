/** Upper bound of the delay between two restarts of a failed consumer. */
export const MAX_RESTART_DELAY_MS = 10_000;

/** The delay before the `attempt`-th retry (1 for the first): `baseMs`, doubling, at most `capMs`. */
export function doublingDelayMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** (attempt - 1));
}

/**
 * The delay before the `restarts`-th consecutive restart of a failed consumer (1 for the first), or
 * undefined once `maxRestarts` is used up: it doubles from `baseMs` up to MAX_RESTART_DELAY_MS.
 */
export function restartDelayMs(restarts: number, maxRestarts: number, baseMs: number): number | undefined {
  if (restarts < 1 || restarts > maxRestarts) return undefined;
  return doublingDelayMs(restarts, baseMs, MAX_RESTART_DELAY_MS);
}
