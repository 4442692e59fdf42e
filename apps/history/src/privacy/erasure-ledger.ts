import type { SubjectErasedPayload } from '#contracts';
import type { Queryable } from './subject-keys.js';

export interface AppliedErasure {
  readonly keysDestroyed: number;
}

/**
 * Applies an erasure inside the caller's transaction (which holds the chain lock): every subject it
 * covers is entered in the ledger, so no key is ever made for it again, its keys are destroyed,
 * so what was encrypted with them is unreadable, and its tickets are marked. Applying it again,
 * or applying an older erasure of the same subject, changes nothing.
 */
export async function applyErasure(db: Queryable, erasure: SubjectErasedPayload): Promise<AppliedErasure> {
  const refs = [...new Set([erasure.subjectRef, ...erasure.refs])];
  await db.query(
    `INSERT INTO history.erased_subjects (subject_ref, erasure_id, erased_at)
     SELECT ref, $2, $3::timestamptz FROM unnest($1::text[]) AS r(ref) ON CONFLICT (subject_ref) DO NOTHING`,
    [refs, erasure.erasureId, erasure.erasedAt],
  );
  // A SELECT around the UPDATE: TypeORM answers a bare UPDATE ... RETURNING with [rows, count].
  const destroyed = await db.query<{ count: number }[]>(
    `WITH destroyed AS (
       UPDATE history.subject_keys SET wrapped_key = NULL, destroyed_at = now()
        WHERE subject_ref = ANY($1::text[]) AND wrapped_key IS NOT NULL RETURNING key_id
     ) SELECT count(*)::int AS count FROM destroyed`,
    [refs],
  );
  await db.query(
    `UPDATE history.tickets SET personal_data_erased_at = COALESCE(personal_data_erased_at, $3::timestamptz), updated_at = now()
      WHERE subject_ref = ANY($1::text[]) OR ticket_id = ANY($2::text[])`,
    [refs, erasure.ticketIds, erasure.erasedAt],
  );
  return { keysDestroyed: destroyed[0]?.count ?? 0 };
}

/**
 * The erasures found on the topic at start-up, entered in the ledger before any other event is
 * read: a store rebuilt from the topics never re-creates readable data of an erased subject.
 */
export async function enterErasures(db: Queryable, erasures: readonly SubjectErasedPayload[]): Promise<number> {
  let keysDestroyed = 0;
  for (const erasure of erasures) keysDestroyed += (await applyErasure(db, erasure)).keysDestroyed;
  return keysDestroyed;
}
