import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateHistory1764300000000 implements MigrationInterface {
  name = 'CreateHistory1764300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE SCHEMA IF NOT EXISTS history`);
    await runner.query(`
      CREATE TABLE history.events (
        seq          bigserial PRIMARY KEY,
        ce_id        text        NOT NULL,
        ticket_id    text,
        topic        text        NOT NULL,
        type         text        NOT NULL,
        source       text,
        occurred_at  timestamptz NOT NULL,
        kafka_partition integer  NOT NULL,
        kafka_offset bigint      NOT NULL,
        payload      jsonb       NOT NULL,
        recorded_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_ce_id_unique UNIQUE (ce_id)
      )`);
    await runner.query(`CREATE INDEX events_ticket_idx ON history.events (ticket_id, occurred_at, seq)`);
    await runner.query(`
      CREATE TABLE history.tickets (
        ticket_id     text PRIMARY KEY,
        reference     text,
        request_id    text,
        status        text        NOT NULL,
        channel       text,
        request_type  text,
        urgency       text,
        org_id        text,
        requester_user_id text,
        queue         text,
        assignee      text,
        priority      text,
        sla_due_at    timestamptz,
        first_response_at timestamptz,
        rule_id       text,
        allow_workspace_testing boolean,
        received_at   timestamptz,
        routed_at     timestamptz,
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX tickets_received_idx ON history.tickets (received_at, ticket_id)`);
    await runner.query(`CREATE INDEX tickets_org_idx ON history.tickets (org_id, received_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE history.tickets`);
    await runner.query(`DROP TABLE history.events`);
  }
}
