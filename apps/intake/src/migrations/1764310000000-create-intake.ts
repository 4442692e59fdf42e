import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIntake1764310000000 implements MigrationInterface {
  name = 'CreateIntake1764310000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE SCHEMA IF NOT EXISTS intake`);
    await runner.query(`
      CREATE TABLE intake.idempotency_keys (
        principal    text        NOT NULL,
        key          text        NOT NULL,
        body_sha256  text        NOT NULL,
        ticket_id    text        NOT NULL,
        reference    text        NOT NULL,
        received_at  timestamptz NOT NULL,
        completed_at timestamptz,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (principal, key)
      )`);
    await runner.query(`CREATE INDEX idempotency_keys_created_idx ON intake.idempotency_keys (created_at)`);
    await runner.query(`
      CREATE TABLE intake.upstream_requests (
        request_id   text PRIMARY KEY,
        ticket_id    text        NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE intake.upstream_requests`);
    await runner.query(`DROP TABLE intake.idempotency_keys`);
  }
}
