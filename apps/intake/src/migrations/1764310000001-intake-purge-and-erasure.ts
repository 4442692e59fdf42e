import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Indexes for the batched purges and for erasing what intake keeps about a ticket. */
export class IntakePurgeAndErasure1764310000001 implements MigrationInterface {
  name = 'IntakePurgeAndErasure1764310000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE INDEX IF NOT EXISTS upstream_requests_published_idx ON intake.upstream_requests (published_at)`,
    );
    await runner.query(
      `CREATE INDEX IF NOT EXISTS upstream_requests_ticket_idx ON intake.upstream_requests (ticket_id)`,
    );
    await runner.query(`CREATE INDEX IF NOT EXISTS idempotency_keys_ticket_idx ON intake.idempotency_keys (ticket_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX intake.idempotency_keys_ticket_idx`);
    await runner.query(`DROP INDEX intake.upstream_requests_ticket_idx`);
    await runner.query(`DROP INDEX intake.upstream_requests_published_idx`);
  }
}
