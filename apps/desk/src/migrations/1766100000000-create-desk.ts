import type { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTableSql } from '#platform';

/** Desk's view of the queues: tickets, their conversations, the agents' event stream, and its outbox. */
export class CreateDesk1766100000000 implements MigrationInterface {
  name = 'CreateDesk1766100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE SCHEMA IF NOT EXISTS desk`);
    // A row exists as soon as the first event of the ticket arrives: lifecycle events and messages may
    // overtake the queue event that carries the ticket itself (they travel on other topics).
    await runner.query(`
      CREATE TABLE desk.tickets (
        ticket_id               text PRIMARY KEY,
        reference               text,
        request_id              text,
        queue                   text,
        status                  text,
        priority                text,
        sla_due_at              timestamptz,
        rule_id                 text,
        routing_reason          text,
        channel                 text,
        request_type            text,
        urgency                 text,
        locale                  text,
        org_id                  text,
        subject                 text,
        message                 text,
        requester_user_id       text,
        requester_name          text,
        requester_email         text,
        requester_phone         text,
        workspace_testing       boolean,
        received_at             timestamptz,
        related_ticket_id       text,
        assignee                text,
        assigned                boolean NOT NULL DEFAULT false,
        claimed_by              text,
        first_response_at       timestamptz,
        last_reply_at           timestamptz,
        awaiting_since          timestamptz,
        next_response_due_at    timestamptz,
        next_response_breached  boolean NOT NULL DEFAULT false,
        resolved_at             timestamptz,
        personal_data_erased_at timestamptz,
        updated_at              timestamptz NOT NULL
      )`);
    await runner.query(`CREATE INDEX tickets_reference ON desk.tickets (reference)`);
    await runner.query(`CREATE INDEX tickets_request_id ON desk.tickets (request_id)`);
    await runner.query(`CREATE INDEX tickets_open_by_queue ON desk.tickets (queue, status) WHERE status <> 'resolved'`);
    await runner.query(`
      CREATE TABLE desk.messages (
        message_id  text PRIMARY KEY,
        ticket_id   text        NOT NULL,
        direction   text        NOT NULL,
        visibility  text        NOT NULL,
        author_kind text        NOT NULL,
        author_id   text,
        channel     text        NOT NULL,
        body        text,
        sent_at     timestamptz NOT NULL
      )`);
    await runner.query(`CREATE INDEX messages_by_ticket ON desk.messages (ticket_id, sent_at)`);
    // The agents' event stream: its sequence number is the SSE event id (Last-Event-ID).
    await runner.query(`
      CREATE TABLE desk.stream_events (
        seq       bigserial   PRIMARY KEY,
        ticket_id text        NOT NULL,
        queue     text,
        assignee  text,
        kind      text        NOT NULL,
        at        timestamptz NOT NULL
      )`);
    await runner.query(`CREATE INDEX stream_events_by_ticket ON desk.stream_events (ticket_id)`);
    // Events already applied (consumed, or applied by desk's own action before it published them).
    await runner.query(`
      CREATE TABLE desk.applied_events (
        event_id   text        PRIMARY KEY,
        applied_at timestamptz NOT NULL
      )`);
    await runner.query(outboxTableSql('desk'));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP SCHEMA desk CASCADE`);
  }
}
