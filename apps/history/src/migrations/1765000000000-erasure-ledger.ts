import type { MigrationInterface, QueryRunner } from 'typeorm';
import { HISTORY_APP_ROLE } from '../history.config.js';

/**
 * Erasure that sticks, and deduplication by CloudEvents identity:
 * - `erased_subjects`: every subject reference ever erased. No key is ever made for one again, so
 *   a late, replayed or redelivered event of an erased subject is stored without its personal data.
 * - `subject_aliases`: the email addresses an account's tickets were sent under (as references,
 *   the address itself sealed under the account's key), so that erasing a user id reaches them.
 * - events are unique per (`ce_id`, `ce_source`), the identity CloudEvents defines: one producer
 *   can no longer suppress another's event by reusing its id.
 * - the service's role may log in: the service connects as it, never as the owner, so it cannot
 *   take back the rights (UPDATE, DELETE, dropping the guards) that the role lacks.
 */
export class ErasureLedger1765000000000 implements MigrationInterface {
  name = 'ErasureLedger1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE history.erased_subjects (
        subject_ref text PRIMARY KEY,
        erasure_id  text        NOT NULL,
        erased_at   timestamptz NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE history.subject_aliases (
        subject_ref  text  NOT NULL,
        alias_ref    text  NOT NULL,
        key_id       uuid  NOT NULL,
        alias_sealed bytea NOT NULL,
        PRIMARY KEY (subject_ref, alias_ref)
      )`);
    // Erasures already recorded (chain entries of earlier versions) become ledger rows.
    await runner.query(`
      INSERT INTO history.erased_subjects (subject_ref, erasure_id, erased_at)
      SELECT DISTINCT ON (payload->>'subjectRef') payload->>'subjectRef', ce_id, occurred_at
        FROM history.events WHERE topic = 'history.erasures' AND payload->>'subjectRef' IS NOT NULL
       ORDER BY payload->>'subjectRef', seq
      ON CONFLICT DO NOTHING`);
    await runner.query(`ALTER TABLE history.events DROP CONSTRAINT events_ce_id_unique`);
    await runner.query(
      `CREATE UNIQUE INDEX events_ce_id_source_unique ON history.events (ce_id, (COALESCE(source, '')))`,
    );
    await runner.query(
      `GRANT SELECT, INSERT ON history.erased_subjects, history.subject_aliases TO ${HISTORY_APP_ROLE}`,
    );
    // Needs CREATEROLE: where the migrating user lacks it, the DBA gives the role LOGIN (docs/operations.md).
    await runner.query(`
      DO $$ BEGIN
        ALTER ROLE ${HISTORY_APP_ROLE} LOGIN;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'cannot give ${HISTORY_APP_ROLE} LOGIN: a database administrator must';
      END $$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX history.events_ce_id_source_unique`);
    await runner.query(`ALTER TABLE history.events ADD CONSTRAINT events_ce_id_unique UNIQUE (ce_id)`);
    await runner.query(`DROP TABLE history.subject_aliases`);
    await runner.query(`DROP TABLE history.erased_subjects`);
  }
}
