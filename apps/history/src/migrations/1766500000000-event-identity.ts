import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An event's identity (its `ce_id` within its `ce_source`) as one unique key. On two columns, the
 * planner only knows how many rows a batch's `ce_id = ANY(...)` matches once the table has been
 * analysed; before that (autovacuum off, or behind a fast-growing log) it read the whole log for
 * every batch. A unique index on one expression tells it: one row per identity. The length prefix
 * keeps two identities from ever giving the same key.
 */
export class EventIdentity1766500000000 implements MigrationInterface {
  name = 'EventIdentity1766500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE UNIQUE INDEX events_identity ON history.events ((${EVENT_IDENTITY_SQL}))`);
    await runner.query(`DROP INDEX history.events_ce_id_source_unique`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE UNIQUE INDEX events_ce_id_source_unique ON history.events (ce_id, (COALESCE(source, '')))`,
    );
    await runner.query(`DROP INDEX history.events_identity`);
  }
}

/** The indexed expression; `eventIdentity` computes the same text for a lookup. */
export const EVENT_IDENTITY_SQL = `octet_length(ce_id)::text || ':' || ce_id || COALESCE(source, '')`;

/** An event's identity as `EVENT_IDENTITY_SQL` computes it in the database (UTF-8). */
export function eventIdentity(ceId: string, source: string | null): string {
  return `${Buffer.byteLength(ceId, 'utf8')}:${ceId}${source ?? ''}`;
}
