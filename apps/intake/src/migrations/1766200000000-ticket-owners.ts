import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whose each ticket is, for follow-ups: the owner is a one-way hash of the requester's user id or
 * email address; resolved_at tells how long ago a resolved ticket was closed (reopen window).
 * An idempotency key remembers whether its request joined a ticket (the message id) or started one
 * that names an older ticket, so that a retry answers the same.
 */
export class TicketOwners1766200000000 implements MigrationInterface {
  name = 'TicketOwners1766200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE intake.ticket_owners (
        ticket_id   text        PRIMARY KEY,
        reference   text        NOT NULL,
        channel     text        NOT NULL,
        owner       text,
        resolved_at timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX ticket_owners_reference_idx ON intake.ticket_owners (reference)`);
    await runner.query(
      `ALTER TABLE intake.idempotency_keys ADD COLUMN message_id text, ADD COLUMN related_ticket_id text`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE intake.idempotency_keys DROP COLUMN related_ticket_id, DROP COLUMN message_id`);
    await runner.query(`DROP TABLE intake.ticket_owners`);
  }
}
