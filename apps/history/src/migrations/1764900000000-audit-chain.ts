import type { MigrationInterface, QueryRunner } from 'typeorm';
import { HISTORY_APP_ROLE } from '../history.config.js';
import { EventSealer } from '../audit/event-sealer.js';
import { GENESIS_HASH } from '../audit/hash-chain.js';
import { ensureSubjectKeys } from '../privacy/subject-keys.js';
import type { SubjectVault } from '../privacy/subject-vault.js';

interface LegacyRow {
  seq: string;
  ce_id: string;
  ticket_id: string | null;
  topic: string;
  type: string;
  source: string | null;
  occurred_at: Date;
  recorded_at: Date;
  kafka_partition: number;
  kafka_offset: string;
  payload: Record<string, unknown>;
}

const BACKFILL_PAGE = 1_000;

/**
 * Hash chain, envelope-encrypted personal data and the append-only guard. Events stored before
 * it are renumbered without gaps, their personal fields encrypted and chained in their order.
 */
export function auditChainMigration(vault: SubjectVault): new () => MigrationInterface {
  return class AuditChain1764900000000 implements MigrationInterface {
    name = 'AuditChain1764900000000';

    async up(runner: QueryRunner): Promise<void> {
      // json keeps the payload text byte for byte, so the chain hashes exactly what is stored.
      await runner.query(`ALTER TABLE history.events ALTER COLUMN payload TYPE json USING payload::json`);
      await runner.query(`
        ALTER TABLE history.events
          ADD COLUMN subject_ref text, ADD COLUMN key_id uuid, ADD COLUMN personal_data bytea,
          ADD COLUMN prev_hash bytea, ADD COLUMN hash bytea`);
      await runner.query(`
        CREATE TABLE history.subject_keys (
          key_id       uuid PRIMARY KEY,
          subject_ref  text        NOT NULL,
          wrapped_key  bytea,
          created_at   timestamptz NOT NULL DEFAULT now(),
          destroyed_at timestamptz,
          CONSTRAINT subject_keys_destroyed CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
        )`);
      await runner.query(
        `CREATE UNIQUE INDEX subject_keys_active_idx ON history.subject_keys (subject_ref) WHERE wrapped_key IS NOT NULL`,
      );
      await runner.query(`CREATE INDEX subject_keys_ref_idx ON history.subject_keys (subject_ref)`);
      await runner.query(
        `ALTER TABLE history.tickets ADD COLUMN subject_ref text, ADD COLUMN personal_data_erased_at timestamptz`,
      );
      await runner.query(`CREATE INDEX tickets_subject_idx ON history.tickets (subject_ref)`);
      await runner.query(`CREATE INDEX tickets_sla_idx ON history.tickets (sla_due_at) WHERE sla_due_at IS NOT NULL`);

      const head = await this.backfill(runner);
      await runner.query(`ALTER TABLE history.tickets DROP COLUMN requester_user_id`);
      await runner.query(
        `ALTER TABLE history.events ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL, ALTER COLUMN seq DROP DEFAULT`,
      );
      await runner.query(`DROP SEQUENCE IF EXISTS history.events_seq_seq`);
      await runner.query(`
        CREATE TABLE history.chain_head (
          id         smallint PRIMARY KEY CHECK (id = 1),
          last_seq   bigint      NOT NULL,
          last_hash  bytea       NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      await runner.query(`INSERT INTO history.chain_head (id, last_seq, last_hash) VALUES (1, $1, $2)`, [
        head.seq.toString(),
        head.hash,
      ]);

      await runner.query(`
        CREATE FUNCTION history.refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'history.events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$`);
      await runner.query(
        `CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON history.events FOR EACH ROW EXECUTE FUNCTION history.refuse_event_change()`,
      );
      await runner.query(
        `CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON history.events FOR EACH STATEMENT EXECUTE FUNCTION history.refuse_event_change()`,
      );
      await runner.query(`
        CREATE FUNCTION history.refuse_head_rewind() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' OR NEW.last_seq < OLD.last_seq THEN
            RAISE EXCEPTION 'the head of the audit chain only moves forward' USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN NEW;
        END $$`);
      await runner.query(
        `CREATE TRIGGER chain_head_forward BEFORE UPDATE OR DELETE ON history.chain_head FOR EACH ROW EXECUTE FUNCTION history.refuse_head_rewind()`,
      );

      // Roles belong to the cluster: another database of the same server may have created it already.
      await runner.query(`
        DO $$ BEGIN
          CREATE ROLE ${HISTORY_APP_ROLE} NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$`);
      await runner.query(`
        DO $$ BEGIN
          EXECUTE format('GRANT ${HISTORY_APP_ROLE} TO %I', current_user);
        EXCEPTION WHEN duplicate_object OR invalid_grant_operation THEN NULL;
        END $$`);
      await runner.query(`GRANT USAGE ON SCHEMA history TO ${HISTORY_APP_ROLE}`);
      await runner.query(`GRANT SELECT, INSERT ON history.events TO ${HISTORY_APP_ROLE}`);
      await runner.query(`GRANT SELECT, UPDATE ON history.chain_head TO ${HISTORY_APP_ROLE}`);
      await runner.query(
        `GRANT SELECT, INSERT, UPDATE ON history.tickets, history.subject_keys TO ${HISTORY_APP_ROLE}`,
      );
    }

    private async backfill(runner: QueryRunner): Promise<{ seq: bigint; hash: Buffer }> {
      await runner.query(`
        UPDATE history.events e SET seq = -r.position
        FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS position FROM history.events) r WHERE e.seq = r.seq`);
      await runner.query(`UPDATE history.events SET seq = -seq`);
      const sealer = new EventSealer(vault);
      const ticketSubjects = new Map<string, string>();
      let previous: Buffer = GENESIS_HASH;
      let seq = 0n;
      for (;;) {
        const rows = (await runner.query(
          `SELECT seq, ce_id, ticket_id, topic, type, source, occurred_at, recorded_at, kafka_partition, kafka_offset::text AS kafka_offset, payload
           FROM history.events WHERE seq > $1 ORDER BY seq LIMIT ${BACKFILL_PAGE}`,
          [seq.toString()],
        )) as LegacyRow[];
        if (rows.length === 0) break;
        const prepared = rows.map((row) => {
          const item = sealer.prepare(
            {
              ceId: row.ce_id,
              ticketId: row.ticket_id,
              topic: row.topic,
              type: row.type,
              source: row.source,
              occurredAt: row.occurred_at.toISOString(),
              partition: row.kafka_partition,
              offset: row.kafka_offset,
              payload: row.payload,
            },
            (ticketId) => ticketSubjects.get(ticketId),
          );
          if (item.requesterRef !== null && row.ticket_id !== null)
            ticketSubjects.set(row.ticket_id, item.requesterRef);
          return { row, item };
        });
        const { keys } = await ensureSubjectKeys(
          runner,
          vault,
          new Set(prepared.flatMap(({ item }) => (item.subjectRef ? [item.subjectRef] : []))),
          {
            ledger: false,
          },
        );
        for (const { row, item } of prepared) {
          seq = BigInt(row.seq);
          const sealed = sealer.seal(
            item,
            seq,
            previous,
            row.recorded_at.toISOString(),
            item.subjectRef ? keys.get(item.subjectRef) : undefined,
          );
          previous = sealed.hash;
          await runner.query(
            `UPDATE history.events SET payload = $2::json, subject_ref = $3, key_id = $4, personal_data = $5, prev_hash = $6, hash = $7,
                    occurred_at = $8, recorded_at = $9 WHERE seq = $1`,
            [
              row.seq,
              sealed.entry.payloadJson,
              sealed.entry.subjectRef,
              sealed.entry.keyId,
              sealed.entry.personalData,
              sealed.prevHash,
              sealed.hash,
              sealed.entry.occurredAt,
              sealed.entry.recordedAt,
            ],
          );
        }
      }
      if (ticketSubjects.size > 0) {
        await runner.query(
          `UPDATE history.tickets t SET subject_ref = s.subject_ref FROM unnest($1::text[], $2::text[]) AS s(ticket_id, subject_ref) WHERE t.ticket_id = s.ticket_id`,
          [[...ticketSubjects.keys()], [...ticketSubjects.values()]],
        );
      }
      return { seq, hash: previous };
    }

    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`DROP TRIGGER events_append_only ON history.events`);
      await runner.query(`DROP TRIGGER events_no_truncate ON history.events`);
      await runner.query(`DROP TABLE history.chain_head`);
      await runner.query(`DROP FUNCTION history.refuse_event_change(), history.refuse_head_rewind()`);
      await runner.query(
        `ALTER TABLE history.tickets DROP COLUMN subject_ref, DROP COLUMN personal_data_erased_at, ADD COLUMN requester_user_id text`,
      );
      await runner.query(`DROP TABLE history.subject_keys`);
      await runner.query(
        `ALTER TABLE history.events DROP COLUMN subject_ref, DROP COLUMN key_id, DROP COLUMN personal_data, DROP COLUMN prev_hash, DROP COLUMN hash`,
      );
    }
  };
}
