import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TICKET_STATUSES, Topics } from '#contracts';
import type { Priority } from '#contracts';
import type { DueTime } from '#rules';

/**
 * A ticket is a conversation: its status and response SLAs come from ticket-progress (libs/rules),
 * whose facts get columns of their own. Tickets stored before it get their facts from their recorded
 * lifecycle events: the first response is the first reply (a claim no longer counts), `replied`
 * becomes `pending` and `reopened` `open`. Auditors look tickets up by reference and request id.
 */
export function ticketProgressMigration(dueAt: DueTime): new () => MigrationInterface {
  return class TicketProgress1766400000000 implements MigrationInterface {
    name = 'TicketProgress1766400000000';

    async up(runner: QueryRunner): Promise<void> {
      await runner.query(`
        ALTER TABLE history.tickets
          ADD COLUMN assigned boolean NOT NULL DEFAULT false,
          ADD COLUMN claimed_by text,
          ADD COLUMN last_reply_at timestamptz,
          ADD COLUMN awaiting_since timestamptz,
          ADD COLUMN resolved_at timestamptz,
          ADD COLUMN next_response_due_at timestamptz,
          ADD COLUMN next_response_breached boolean NOT NULL DEFAULT false`);
      await runner.query(
        `
        WITH lifecycle AS (
          SELECT ticket_id, payload->>'event' AS event, (payload->>'at')::timestamptz AS at, payload->>'actor' AS actor
            FROM history.events WHERE topic = $1 AND ticket_id IS NOT NULL
        ), facts AS (
          SELECT ticket_id,
                 min(at) FILTER (WHERE event = 'replied') AS first_reply,
                 max(at) FILTER (WHERE event = 'replied') AS last_reply,
                 max(at) FILTER (WHERE event = 'resolved') AS resolved,
                 max(at) FILTER (WHERE event = 'reopened') AS reopened,
                 (array_agg(actor ORDER BY at DESC) FILTER (WHERE event = 'claimed' AND actor IS NOT NULL))[1] AS claimed_by
            FROM lifecycle GROUP BY ticket_id
        )
        UPDATE history.tickets t SET
          first_response_at = f.first_reply,
          last_reply_at = f.last_reply,
          claimed_by = f.claimed_by,
          resolved_at = CASE WHEN t.status = 'resolved' THEN f.resolved END,
          awaiting_since = CASE WHEN t.status = 'reopened' THEN f.reopened END
        FROM facts f WHERE f.ticket_id = t.ticket_id`,
        [Topics.ticketsLifecycle],
      );
      // Claims no longer count as responses: a ticket with no reply has none.
      await runner.query(`UPDATE history.tickets SET first_response_at = NULL WHERE last_reply_at IS NULL`);
      await runner.query(`
        UPDATE history.tickets SET status = CASE
          WHEN resolved_at IS NOT NULL THEN 'resolved'
          WHEN awaiting_since IS NOT NULL THEN 'open'
          WHEN last_reply_at IS NOT NULL THEN 'pending'
          WHEN claimed_by IS NOT NULL THEN 'claimed'
          WHEN queue IS NOT NULL THEN 'routed'
          ELSE 'received' END`);
      const waiting = (await runner.query(
        `SELECT ticket_id, priority, awaiting_since FROM history.tickets WHERE awaiting_since IS NOT NULL AND priority IS NOT NULL`,
      )) as { ticket_id: string; priority: Priority; awaiting_since: Date }[];
      if (waiting.length > 0) {
        await runner.query(
          `UPDATE history.tickets t SET next_response_due_at = w.due
             FROM unnest($1::text[], $2::timestamptz[]) AS w(ticket_id, due) WHERE w.ticket_id = t.ticket_id`,
          [
            waiting.map((row) => row.ticket_id),
            waiting.map((row) => dueAt(row.priority, row.awaiting_since).toISOString()),
          ],
        );
      }
      const statuses = TICKET_STATUSES.map((status) => `'${status}'`).join(', ');
      await runner.query(
        `ALTER TABLE history.tickets ADD CONSTRAINT tickets_status_check CHECK (status IN (${statuses}))`,
      );
      await runner.query(`CREATE INDEX tickets_reference_idx ON history.tickets (reference)`);
      await runner.query(`CREATE INDEX tickets_request_idx ON history.tickets (request_id)`);
      await runner.query(
        `CREATE INDEX tickets_next_due_idx ON history.tickets (next_response_due_at) WHERE next_response_due_at IS NOT NULL`,
      );
    }

    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`DROP INDEX history.tickets_next_due_idx`);
      await runner.query(`DROP INDEX history.tickets_request_idx`);
      await runner.query(`DROP INDEX history.tickets_reference_idx`);
      await runner.query(`ALTER TABLE history.tickets DROP CONSTRAINT tickets_status_check`);
      await runner.query(`
        UPDATE history.tickets SET status = CASE status
          WHEN 'pending' THEN 'replied' WHEN 'open' THEN 'reopened' WHEN 'assigned' THEN 'routed' ELSE status END`);
      await runner.query(`
        ALTER TABLE history.tickets
          DROP COLUMN assigned, DROP COLUMN claimed_by, DROP COLUMN last_reply_at, DROP COLUMN awaiting_since,
          DROP COLUMN resolved_at, DROP COLUMN next_response_due_at, DROP COLUMN next_response_breached`);
    }
  };
}
