import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C traceparent of the event that caused each delivery, alert and outbox event, so that what
 * notification publishes later (outcomes, escalations, acknowledgements) and its webhook calls stay
 * in the ticket's trace.
 */
export class NotificationTraceContext1764400000002 implements MigrationInterface {
  name = 'NotificationTraceContext1764400000002';

  async up(runner: QueryRunner): Promise<void> {
    for (const table of ['deliveries', 'alerts', 'outbox']) {
      await runner.query(`ALTER TABLE notification.${table} ADD COLUMN IF NOT EXISTS traceparent text`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['deliveries', 'alerts', 'outbox']) {
      await runner.query(`ALTER TABLE notification.${table} DROP COLUMN IF EXISTS traceparent`);
    }
  }
}
