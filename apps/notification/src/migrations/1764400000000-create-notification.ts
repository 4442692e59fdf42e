import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateNotification1764400000000 implements MigrationInterface {
  name = 'CreateNotification1764400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE SCHEMA IF NOT EXISTS notification`);
    // One row per notification, keyed by its deterministic id: a redelivered event finds its row
    // and sends nothing again. The row is also the retry timer (next_attempt_at) and the lease of
    // an attempt in flight.
    await runner.query(`
      CREATE TABLE notification.deliveries (
        notification_id  text        PRIMARY KEY,
        ticket_id        text        NOT NULL,
        reference        text        NOT NULL,
        kind             text        NOT NULL,
        audience         text        NOT NULL,
        recipient        text,
        locale           text        NOT NULL,
        subject          text        NOT NULL,
        body             text        NOT NULL,
        alert_id         text,
        escalation_level integer,
        urgency          smallint    NOT NULL,
        state            text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
        attempts         integer     NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL,
        channel          text,
        last_error       text,
        correlation_id   text,
        causation_id     text,
        created_at       timestamptz NOT NULL,
        updated_at       timestamptz NOT NULL,
        completed_at     timestamptz
      )`);
    await runner.query(
      `CREATE INDEX deliveries_due_idx ON notification.deliveries (urgency, next_attempt_at) WHERE state = 'pending'`,
    );
    await runner.query(`CREATE INDEX deliveries_ticket_idx ON notification.deliveries (ticket_id)`);

    await runner.query(`
      CREATE TABLE notification.alerts (
        alert_id           text        PRIMARY KEY,
        ticket_id          text        NOT NULL,
        reference          text        NOT NULL,
        target             text        NOT NULL,
        priority           text        NOT NULL,
        status             text        NOT NULL CHECK (status IN ('raised', 'acknowledged', 'escalated')),
        escalation_level   integer     NOT NULL DEFAULT 0,
        next_escalation_at timestamptz,
        raised_at          timestamptz NOT NULL,
        recorded_at        timestamptz NOT NULL,
        acknowledged_by    text,
        acknowledged_at    timestamptz,
        correlation_id     text,
        updated_at         timestamptz NOT NULL
      )`);
    await runner.query(
      `CREATE INDEX alerts_due_idx ON notification.alerts (next_escalation_at) WHERE status <> 'acknowledged' AND next_escalation_at IS NOT NULL`,
    );
    await runner.query(`CREATE INDEX alerts_status_idx ON notification.alerts (status, raised_at)`);
    await runner.query(`CREATE INDEX alerts_ticket_idx ON notification.alerts (ticket_id)`);

    // The requester's address, kept only when requesters are emailed, and erased once told.
    await runner.query(`
      CREATE TABLE notification.contacts (
        ticket_id   text        PRIMARY KEY,
        email       text,
        locale      text        NOT NULL,
        recorded_at timestamptz NOT NULL,
        erased_at   timestamptz
      )`);

    // Transactional outbox: events are written with the state change that causes them and relayed
    // to Kafka afterwards, so a crash or a Kafka outage never loses an outcome, ack or escalation.
    await runner.query(`
      CREATE TABLE notification.outbox (
        seq            bigserial   PRIMARY KEY,
        event_id       text        NOT NULL UNIQUE,
        topic          text        NOT NULL,
        message_key    text        NOT NULL,
        payload        jsonb       NOT NULL,
        event_time     timestamptz NOT NULL,
        correlation_id text,
        causation_id   text
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE notification.outbox`);
    await runner.query(`DROP TABLE notification.contacts`);
    await runner.query(`DROP TABLE notification.alerts`);
    await runner.query(`DROP TABLE notification.deliveries`);
  }
}
