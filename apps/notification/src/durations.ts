const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * A duration as operators write it: milliseconds (`300000`) or a number with a unit (`500ms`,
 * `30s`, `5m`, `1h`). Returns undefined for anything else.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!match?.[1]) return undefined;
  const value = Number(match[1]) * (UNITS[(match[2] ?? 'ms').toLowerCase()] ?? 1);
  return Number.isFinite(value) ? Math.round(value) : undefined;
}
