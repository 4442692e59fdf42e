import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A ticket is a conversation: replies and follow-ups arrive days after the ticket, so notification
 * keeps what it needs to address them.
 * - `tickets`: the facts of each ticket (no personal data): reference, channel, locale, queue,
 *   latest assignee, when it was resolved (the requester's contact is kept until the reopen window
 *   after that has passed).
 * - `contacts` gains the requester's name and phone, and the request text, which the phone desk
 *   sees on an alert; all are erased with the address.
 * - `alerts` gains the routing reason.
 * - `ticket_mails`: the Message-ID of every mail sent to a ticket's requester, in sending order, to
 *   thread the next one (In-Reply-To, References). Message-IDs are `<uuid@domain>`: no personal data.
 */
export class NotificationConversations1766300000000 implements MigrationInterface {
  name = 'NotificationConversations1766300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE notification.tickets (
        ticket_id   text        PRIMARY KEY,
        reference   text        NOT NULL,
        channel     text        NOT NULL,
        locale      text        NOT NULL,
        queue       text,
        assignee    text,
        assigned_at timestamptz,
        resolved_at timestamptz,
        updated_at  timestamptz NOT NULL
      )`);
    await runner.query(
      `CREATE INDEX tickets_resolved_idx ON notification.tickets (resolved_at) WHERE resolved_at IS NOT NULL`,
    );
    await runner.query(`ALTER TABLE notification.contacts ADD COLUMN name text`);
    await runner.query(`ALTER TABLE notification.contacts ADD COLUMN phone text`);
    await runner.query(`ALTER TABLE notification.contacts ADD COLUMN message text`);
    await runner.query(`ALTER TABLE notification.alerts ADD COLUMN reason text`);
    await runner.query(`
      CREATE TABLE notification.ticket_mails (
        seq        bigserial   PRIMARY KEY,
        ticket_id  text        NOT NULL,
        message_id text        NOT NULL UNIQUE,
        sent_at    timestamptz NOT NULL
      )`);
    await runner.query(`CREATE INDEX ticket_mails_ticket_idx ON notification.ticket_mails (ticket_id, seq)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE notification.ticket_mails`);
    await runner.query(`ALTER TABLE notification.alerts DROP COLUMN reason`);
    await runner.query(`ALTER TABLE notification.contacts DROP COLUMN message`);
    await runner.query(`ALTER TABLE notification.contacts DROP COLUMN phone`);
    await runner.query(`ALTER TABLE notification.contacts DROP COLUMN name`);
    await runner.query(`DROP TABLE notification.tickets`);
  }
}
