import { randomUUID } from 'node:crypto';
import type { DataKey, SubjectVault } from './subject-vault.js';

/** A connection or transaction that runs SQL (TypeORM's EntityManager and QueryRunner both do). */
export interface Queryable {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

/** The active key of each subject, created where missing. */
export async function ensureSubjectKeys(db: Queryable, vault: SubjectVault, refs: ReadonlySet<string>): Promise<Map<string, DataKey>> {
  const keys = new Map<string, DataKey>();
  if (refs.size === 0) return keys;
  const rows = await db.query<{ key_id: string; subject_ref: string; wrapped_key: Buffer }[]>(
    `SELECT key_id, subject_ref, wrapped_key FROM history.subject_keys WHERE subject_ref = ANY($1::text[]) AND wrapped_key IS NOT NULL`,
    [[...refs]],
  );
  for (const row of rows) keys.set(row.subject_ref, vault.unwrap(row.key_id, row.wrapped_key));
  // Sorted: concurrent batches creating keys of the same subjects wait for each other in one order.
  const missing = [...refs].filter((ref) => !keys.has(ref)).sort();
  if (missing.length === 0) return keys;
  const created = missing.map((ref) => ({ ref, ...vault.newDataKey(randomUUID()) }));
  // A concurrent batch may create the same subject's key first: its key is then used instead.
  const inserted = await db.query<{ subject_ref: string }[]>(
    `WITH inserted AS (
       INSERT INTO history.subject_keys (key_id, subject_ref, wrapped_key) SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[])
       ON CONFLICT (subject_ref) WHERE wrapped_key IS NOT NULL DO NOTHING RETURNING subject_ref
     ) SELECT subject_ref FROM inserted`,
    [created.map((item) => item.dataKey.keyId), created.map((item) => item.ref), created.map((item) => item.wrapped)],
  );
  const won = new Set(inserted.map((row) => row.subject_ref));
  for (const item of created) if (won.has(item.ref)) keys.set(item.ref, item.dataKey);
  const lost = new Set(missing.filter((ref) => !won.has(ref)));
  if (lost.size > 0) for (const [ref, key] of await ensureSubjectKeys(db, vault, lost)) keys.set(ref, key);
  return keys;
}

/** Keys by id for reading; a destroyed key is simply absent. */
export async function loadKeys(db: Queryable, vault: SubjectVault, keyIds: ReadonlySet<string>): Promise<Map<string, DataKey>> {
  const keys = new Map<string, DataKey>();
  if (keyIds.size === 0) return keys;
  const rows = await db.query<{ key_id: string; wrapped_key: Buffer }[]>(
    `SELECT key_id, wrapped_key FROM history.subject_keys WHERE key_id = ANY($1::uuid[]) AND wrapped_key IS NOT NULL`,
    [[...keyIds]],
  );
  for (const row of rows) keys.set(row.key_id, vault.unwrap(row.key_id, row.wrapped_key));
  return keys;
}
