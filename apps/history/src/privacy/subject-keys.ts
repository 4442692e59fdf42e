import { randomUUID } from 'node:crypto';
import { column, unnestRows } from '#platform';
import type { DataKey, SubjectVault } from './subject-vault.js';

/** A connection or transaction that runs SQL (TypeORM's EntityManager and QueryRunner both do). */
export interface Queryable {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

interface NewSubjectKey {
  readonly ref: string;
  readonly dataKey: DataKey;
  readonly wrapped: Buffer;
}

const NEW_KEY_COLUMNS = [
  column<NewSubjectKey>('key_id', 'uuid', (key) => key.dataKey.keyId),
  column<NewSubjectKey>('subject_ref', 'text', (key) => key.ref),
  column<NewSubjectKey>('wrapped_key', 'bytea', (key) => key.wrapped),
];

export interface SubjectKeys {
  /** The active key of each subject that has one. */
  readonly keys: Map<string, DataKey>;
  /** The subjects that were erased: they never get a key again, their personal data is not stored. */
  readonly erased: Set<string>;
}

/**
 * The active key of each subject, created where missing, except for erased subjects. `ledger:
 * false` only for the migration that predates the erasure ledger.
 */
export async function ensureSubjectKeys(
  db: Queryable,
  vault: SubjectVault,
  refs: ReadonlySet<string>,
  options: { ledger?: boolean } = {},
): Promise<SubjectKeys> {
  const keys = new Map<string, DataKey>();
  const erased = new Set<string>();
  if (refs.size === 0) return { keys, erased };
  const ledger = options.ledger ?? true;
  const rows = await db.query<{ key_id: string | null; subject_ref: string; wrapped_key: Buffer | null }[]>(
    `SELECT key_id, subject_ref, wrapped_key FROM history.subject_keys WHERE subject_ref = ANY($1::text[]) AND wrapped_key IS NOT NULL
     ${ledger ? 'UNION ALL SELECT NULL, subject_ref, NULL FROM history.erased_subjects WHERE subject_ref = ANY($1::text[])' : ''}`,
    [[...refs]],
  );
  for (const row of rows) {
    if (row.key_id === null || row.wrapped_key === null) erased.add(row.subject_ref);
    else keys.set(row.subject_ref, vault.unwrap(row.key_id, row.wrapped_key));
  }
  for (const ref of erased) keys.delete(ref);
  // Sorted: concurrent batches creating keys of the same subjects wait for each other in one order.
  const missing = [...refs].filter((ref) => !keys.has(ref) && !erased.has(ref)).sort();
  if (missing.length === 0) return { keys, erased };
  const created = missing.map((ref) => ({ ref, ...vault.newDataKey(randomUUID()) }));
  // A concurrent batch may create the same subject's key first: its key is then used instead.
  const newKeys = unnestRows('k', NEW_KEY_COLUMNS, created);
  const inserted = await db.query<{ subject_ref: string }[]>(
    `WITH inserted AS (
       INSERT INTO history.subject_keys (${newKeys.names}) SELECT ${newKeys.names} FROM ${newKeys.source}
       ON CONFLICT (subject_ref) WHERE wrapped_key IS NOT NULL DO NOTHING RETURNING subject_ref
     ) SELECT subject_ref FROM inserted`,
    newKeys.parameters,
  );
  const won = new Set(inserted.map((row) => row.subject_ref));
  for (const item of created) if (won.has(item.ref)) keys.set(item.ref, item.dataKey);
  const lost = new Set(missing.filter((ref) => !won.has(ref)));
  if (lost.size > 0) {
    const again = await ensureSubjectKeys(db, vault, lost, options);
    for (const [ref, key] of again.keys) keys.set(ref, key);
    for (const ref of again.erased) erased.add(ref);
  }
  return { keys, erased };
}

/** Which of these subjects are erased, as the database sees it now (within the caller's transaction). */
export async function erasedAmong(db: Queryable, refs: ReadonlySet<string>): Promise<Set<string>> {
  if (refs.size === 0) return new Set();
  const rows = await db.query<{ subject_ref: string }[]>(
    `SELECT subject_ref FROM history.erased_subjects WHERE subject_ref = ANY($1::text[])`,
    [[...refs]],
  );
  return new Set(rows.map((row) => row.subject_ref));
}

/** Keys by id for reading; a destroyed key is simply absent. */
export async function loadKeys(
  db: Queryable,
  vault: SubjectVault,
  keyIds: ReadonlySet<string>,
): Promise<Map<string, DataKey>> {
  const keys = new Map<string, DataKey>();
  if (keyIds.size === 0) return keys;
  const rows = await db.query<{ key_id: string; wrapped_key: Buffer }[]>(
    `SELECT key_id, wrapped_key FROM history.subject_keys WHERE key_id = ANY($1::uuid[]) AND wrapped_key IS NOT NULL`,
    [[...keyIds]],
  );
  for (const row of rows) keys.set(row.key_id, vault.unwrap(row.key_id, row.wrapped_key));
  return keys;
}
