/**
 * History ingestion into the chained store, next to a raw batched insert of the same rows into
 * the same PostgreSQL, measured in the same run; then timeline query latency with 1,000,000
 * events stored.
 *
 * 1. Tickets' events (submitted, routed, queue, claim with a note, reply, notification: six per
 *    ticket, as in production) are produced to the contract topics while the history service is
 *    stopped, its group set at their end beforehand; the service (its own process, a fresh
 *    database) is then started and timed from the first stored event to the last (head of the
 *    chain polled every 50 ms): validation, personal data split and encrypted, hash chain,
 *    projection, one transaction per batch, offsets committed after it.
 * 2. Raw baseline: the rows it stored, read back, are inserted again into a table of the same
 *    shape and indexes, in batches of the same size, one multi-row INSERT per transaction.
 * 3. The store is filled up to 1,000,000 events through the same append path, then
 *    GET /v1/tickets/{id} is called for random tickets (state plus the whole timeline).
 *
 * Run it on a broker no other service of the system consumes from (it writes the contract topics).
 * KAFKA_BROKERS / DATABASE_URL: unset, the test-profile infrastructure is used.
 * BENCH_TICKETS (default 20000, i.e. 120,000 events), BENCH_TOTAL_EVENTS (default 1000000),
 * BENCH_QUERIES (default 2000). Usage: npm run bench:history
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { toCloudEventHeaders, topicSpec } from '#contracts';
import type { TopicName } from '#contracts';
import type { KafkaEvent } from '#kafka';
import { freePort, isolatedDatabase, KafkaTestClient, startGroupAtEnd, submittedTicket, userToken } from '#testing';
import { openHistoryStore, ticketStory } from '../apps/history/test/history-store.js';
import {
  benchInfrastructure,
  machine,
  percentile,
  printTable,
  startService,
  stopService,
  writeResult,
} from './bench-support.js';
import { HISTORY_RECORDED_TOPICS } from '../apps/history/src/recording/history.consumer.js';

const TICKETS = Number(process.env['BENCH_TICKETS'] ?? 20_000);
const TOTAL_EVENTS = Number(process.env['BENCH_TOTAL_EVENTS'] ?? 1_000_000);
const QUERIES = Number(process.env['BENCH_QUERIES'] ?? 2_000);
const BATCH = 2_000;
const TARGET_RATE = 10_000;
const TARGET_RATIO = 0.5;
const TARGET_TIMELINE_P99_MS = 50;

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

function story(index: number): KafkaEvent[] {
  const org = `org-${index % 50}`;
  const ticket = submittedTicket({
    channel: index % 3 === 0 ? 'email' : 'form',
    message: `Bench message ${index}: the export of the register fails with an error after the upload.`,
    requester: {
      userId: index % 3 === 0 ? null : `user-${index}`,
      orgId: org,
      email: `requester-${index}@example.org`,
      name: `Requester ${index}`,
    },
  });
  return ticketStory(ticket);
}

async function headSeq(client: pg.Client): Promise<number> {
  const rows = await client.query<{ last_seq: string }>(`SELECT last_seq FROM history.chain_head WHERE id = 1`);
  return Number(rows.rows[0]?.last_seq ?? 0);
}

async function produce(kafka: KafkaTestClient, events: readonly KafkaEvent[]): Promise<void> {
  const byTopic = new Map<string, KafkaEvent[]>();
  for (const event of events) {
    const list = byTopic.get(event.topic) ?? [];
    list.push(event);
    byTopic.set(event.topic, list);
  }
  for (const [topic, list] of byTopic) {
    for (let start = 0; start < list.length; start += 2_000) {
      await kafka.produce(
        topic,
        list.slice(start, start + 2_000).map((event) => {
          const value = event.value as { ticketId: string };
          return {
            key: value.ticketId,
            value: JSON.stringify(event.value),
            headers: toCloudEventHeaders({
              id: event.cloudEvent.id ?? randomUUID(),
              source: '/bench',
              type: topicSpec(topic as TopicName).eventType,
              time: event.cloudEvent.time ?? new Date().toISOString(),
              subject: value.ticketId,
            }),
          };
        }),
      );
    }
  }
}

/** Reads the stored rows back and inserts them into a table of the same shape, batch by batch. */
async function rawInsert(url: string): Promise<{ rows: number; seconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `CREATE TABLE history.raw_events (LIKE history.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`,
    );
    const columns = `seq, ce_id, ticket_id, topic, type, source, occurred_at, recorded_at, kafka_partition, kafka_offset, payload, subject_ref, key_id, personal_data, prev_hash, hash`;
    const all = await client.query<Record<string, unknown>>(`SELECT ${columns} FROM history.events ORDER BY seq`);
    const started = process.hrtime.bigint();
    for (let start = 0; start < all.rows.length; start += BATCH) {
      const rows = all.rows.slice(start, start + BATCH);
      const column = (name: string): unknown[] =>
        rows.map((row) => (name === 'payload' ? JSON.stringify(row[name]) : row[name]));
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO history.raw_events (${columns})
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[],
                              $9::int[], $10::bigint[], $11::jsonb[], $12::text[], $13::uuid[], $14::bytea[], $15::bytea[], $16::bytea[])`,
        columns.split(', ').map(column),
      );
      await client.query('COMMIT');
    }
    return { rows: all.rows.length, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const infra = await benchInfrastructure();
  const database = await isolatedDatabase(infra.databaseUrl, 'history_bench');
  const kafka = new KafkaTestClient(infra.brokers.split(','));
  const watcher = new pg.Client({ connectionString: database.url });
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    const group = `support-history-bench-${randomUUID().slice(0, 8)}`;
    const port = await freePort();
    const env = { KAFKA_BROKERS: infra.brokers, DATABASE_URL: database.url, HISTORY_CONSUMER_GROUP: group };
    await startGroupAtEnd(infra.brokers.split(','), group, HISTORY_RECORDED_TOPICS);
    // Migrations first (service start and stop), so that the timed start only joins the group.
    await stopService(await startService('history', port, env));
    const events: KafkaEvent[] = [];
    for (let index = 0; index < TICKETS; index += 1) events.push(...story(index));
    log(`producing ${events.length} events of ${TICKETS} tickets`);
    await produce(kafka, events);

    await watcher.connect();
    // As `npm start` and the compose file run it.
    service = await startService('history', port, env, ['--max-semi-space-size=64']);
    let first = 0;
    let firstAt = 0n;
    let lastAt = 0n;
    for (let seq = await headSeq(watcher); seq < events.length; seq = await headSeq(watcher)) {
      const now = process.hrtime.bigint();
      if (seq > 0 && first === 0) {
        first = seq;
        firstAt = now;
      }
      lastAt = now;
      await new Promise((done) => setTimeout(done, 50));
    }
    lastAt = process.hrtime.bigint();
    const ingestSeconds = Number(lastAt - firstAt) / 1e9;
    const ingestRate = (events.length - first) / ingestSeconds;
    log(`ingested ${events.length} events (${ingestRate.toFixed(0)}/s)`);

    const raw = await rawInsert(database.url);
    const rawRate = raw.rows / raw.seconds;
    log(`raw insert ${raw.rows} rows (${rawRate.toFixed(0)}/s)`);

    // Fill up to the total through the same append path, in this process.
    const store = await openHistoryStore(database.url);
    const fillStarted = Date.now();
    let stored = await headSeq(watcher);
    let index = TICKETS;
    while (stored < TOTAL_EVENTS) {
      const batch: KafkaEvent[] = [];
      while (batch.length < BATCH * 6) batch.push(...story(index++));
      stored += await store.recorder.record(batch);
      if (index % 20_000 < 1_000) log(`filled ${stored} events`);
    }
    await store.close();
    log(`filled to ${stored} events in ${((Date.now() - fillStarted) / 1000).toFixed(0)} s`);
    await watcher.query('ANALYZE history.events; ANALYZE history.tickets');

    const token = await userToken({ sub: 'bench-auditor', roles: ['auditor:global'] });
    const latencies: number[] = [];
    const picked = await watcher.query<{ ticket_id: string }>(
      `SELECT ticket_id FROM history.tickets ORDER BY random() LIMIT $1`,
      [QUERIES],
    );
    for (const { ticket_id: id } of picked.rows) {
      const started = process.hrtime.bigint();
      const response = await fetch(`http://127.0.0.1:${port}/v1/tickets/${id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.json()) as { timeline?: unknown[] };
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (response.status !== 200 || !body.timeline?.length)
        throw new Error(`GET /v1/tickets/${id}: ${response.status}`);
    }
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);

    const rows = [
      {
        measure: 'ingest from Kafka into the chained store',
        value: `${ingestRate.toFixed(0)} events/s`,
        target: `>= ${TARGET_RATE}`,
        met: ingestRate >= TARGET_RATE ? 'yes' : 'NO',
      },
      { measure: 'raw batched insert of the same rows', value: `${rawRate.toFixed(0)} rows/s`, target: '-', met: '-' },
      {
        measure: 'ingest / raw',
        value: `${((ingestRate / rawRate) * 100).toFixed(1)} %`,
        target: `>= ${TARGET_RATIO * 100} %`,
        met: ingestRate / rawRate >= TARGET_RATIO ? 'yes' : 'NO',
      },
      { measure: `timeline query p50 (${stored} events)`, value: `${p50.toFixed(1)} ms`, target: '-', met: '-' },
      {
        measure: `timeline query p99 (${stored} events)`,
        value: `${p99.toFixed(1)} ms`,
        target: `< ${TARGET_TIMELINE_P99_MS} ms`,
        met: p99 < TARGET_TIMELINE_P99_MS ? 'yes' : 'NO',
      },
    ];
    printTable(`History (${events.length} events ingested, batches of ${BATCH}, ${QUERIES} timeline queries)`, rows);
    const file = writeResult('history', {
      machine: machine(),
      at: new Date().toISOString(),
      ingest: { events: events.length, seconds: ingestSeconds, eventsPerSecond: ingestRate },
      raw: { rows: raw.rows, seconds: raw.seconds, rowsPerSecond: rawRate },
      ratio: ingestRate / rawRate,
      timeline: { storedEvents: stored, queries: QUERIES, p50Ms: p50, p99Ms: p99 },
      targets: { eventsPerSecond: TARGET_RATE, ratio: TARGET_RATIO, timelineP99Ms: TARGET_TIMELINE_P99_MS },
    });
    log(`results written to ${file}`);
  } finally {
    if (service) await stopService(service);
    await watcher.end().catch(() => undefined);
    await kafka.close();
    await database.drop();
    await infra.release();
  }
}

await main();
