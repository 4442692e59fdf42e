/**
 * Bulk statements without positional bookkeeping: a table's columns are declared once, each with
 * its PostgreSQL type and how a row gives its value, and `unnestRows` derives from that list both
 * the `unnest($1::text[], $2::int[], ...) AS alias(a, b, ...)` source and the parameter arrays. A
 * column's parameter number, type and value cannot disagree, whatever is added or reordered.
 */
export interface Column<R> {
  readonly name: string;
  /** The element type: `text`, `int`, `timestamptz`, `jsonb`... */
  readonly type: string;
  readonly value: (row: R) => unknown;
}

export function column<R>(name: string, type: string, value: (row: R) => unknown): Column<R> {
  return { name, type, value };
}

/** Another row type's columns, read through `pick` (an outbox event inside an attempt record...). */
export function columnsOf<R, T>(columns: readonly Column<T>[], pick: (row: R) => T): Column<R>[] {
  return columns.map((spec) => column<R>(spec.name, spec.type, (row) => spec.value(pick(row))));
}

export interface UnnestedRows {
  /** `unnest(...) [WITH ORDINALITY] AS alias(columns)`, for a FROM clause. */
  readonly source: string;
  /** The column names, comma-separated, in declaration order. */
  readonly names: string;
  /** One array per column, in declaration order: the statement's parameters from `first` on. */
  readonly parameters: unknown[][];
  /** The number of the first parameter after these ($n), for the statement's own. */
  readonly next: number;
}

export function unnestRows<R>(
  alias: string,
  columns: readonly Column<R>[],
  rows: readonly R[],
  options: { readonly first?: number; readonly ordinality?: string } = {},
): UnnestedRows {
  const first = options.first ?? 1;
  const arrays = columns.map((spec, index) => `$${first + index}::${spec.type}[]`).join(', ');
  const names = columns.map((spec) => spec.name).join(', ');
  const ordinality = options.ordinality === undefined ? '' : ' WITH ORDINALITY';
  const aliasColumns = options.ordinality === undefined ? names : `${names}, ${options.ordinality}`;
  return {
    source: `unnest(${arrays})${ordinality} AS ${alias}(${aliasColumns})`,
    names,
    parameters: columns.map((spec) => rows.map((row) => spec.value(row))),
    next: first + columns.length,
  };
}
