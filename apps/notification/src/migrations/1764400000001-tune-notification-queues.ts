import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deliveries and the outbox are queues: every row is updated or deleted soon after it is written.
 * Vacuuming them after a small fraction of changes (instead of the default 20 %) keeps the dead
 * index entries that each claim would otherwise walk over few.
 */
export class TuneNotificationQueues1764400000001 implements MigrationInterface {
  name = 'TuneNotificationQueues1764400000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE notification.deliveries SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02)`,
    );
    await runner.query(
      `ALTER TABLE notification.outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE notification.outbox RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)`,
    );
    await runner.query(
      `ALTER TABLE notification.deliveries RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_analyze_scale_factor)`,
    );
  }
}
