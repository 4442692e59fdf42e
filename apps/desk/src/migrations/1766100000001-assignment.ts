import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Agents' presence and capacity, organisations' backup PSMs, and what assignment needs of a ticket. */
export class Assignment1766100000001 implements MigrationInterface {
  name = 'Assignment1766100000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE desk.agents (
        agent_id         text PRIMARY KEY,
        status           text        NOT NULL,
        queues           text[]      NOT NULL,
        capacity         integer,
        locales          text[],
        updated_at       timestamptz NOT NULL,
        last_assigned_at timestamptz
      )`);
    await runner.query(`
      CREATE TABLE desk.psm_assignments (
        org_id        text PRIMARY KEY,
        psm_id        text NOT NULL,
        backup_psm_id text
      )`);
    // The PSM routing named (the assignee may change since), when the ticket entered its queue, and
    // whether assignment has looked at it since it last became waiting.
    await runner.query(`ALTER TABLE desk.tickets ADD COLUMN routed_assignee text`);
    await runner.query(`ALTER TABLE desk.tickets ADD COLUMN queued_at timestamptz`);
    await runner.query(`ALTER TABLE desk.tickets ADD COLUMN assignment_settled boolean NOT NULL DEFAULT false`);
    await runner.query(
      // In the order a pass takes them (the most urgent response first), so a pass reads only its page.
      `CREATE INDEX tickets_waiting ON desk.tickets (queue, (COALESCE(next_response_due_at, sla_due_at)), queued_at)
        WHERE NOT assignment_settled AND status <> 'resolved'`,
    );
    await runner.query(`CREATE INDEX tickets_open_by_assignee ON desk.tickets (assignee) WHERE status <> 'resolved'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX desk.tickets_open_by_assignee`);
    await runner.query(`DROP INDEX desk.tickets_waiting`);
    await runner.query(`ALTER TABLE desk.tickets DROP COLUMN assignment_settled`);
    await runner.query(`ALTER TABLE desk.tickets DROP COLUMN queued_at`);
    await runner.query(`ALTER TABLE desk.tickets DROP COLUMN routed_assignee`);
    await runner.query(`DROP TABLE desk.psm_assignments`);
    await runner.query(`DROP TABLE desk.agents`);
  }
}
