/**
 * The whole pipeline: the four services as separate processes, requests produced to
 * `support.requests.v1`, each measured until history shows its routing decision.
 *
 * 0. Warm-up: BENCH_WARMUP requests (default 5000) through the whole pipeline, not measured.
 * 1. Paced phase: BENCH_RATE requests/s (default 500) for BENCH_PACED_SECONDS (default 20):
 *    submit -> history-visible latency (the routed event stored in the audit chain), and for the
 *    urgent access requests (one in ten) submit -> phone-desk (or on-call) webhook received.
 * 2. Burst phase: BENCH_TICKETS requests (default 20000) produced at once: sustained tickets/s from
 *    the first submit to the last ticket visible in history.
 * 3. Raw baseline in the same run: the same number of records of the same size produced and
 *    consumed by a bare kafkajs producer and consumer.
 *
 * Prints a table, writes bench/results/pipeline.json and bench/results/pipeline-latency.svg
 * (latency over time, per second: p50 and p99). Run it on a broker and database of its own: the
 * services' groups are moved to the end of their topics first, and nothing else may consume them.
 * KAFKA_BROKERS / DATABASE_URL: unset, the test-profile infrastructure. Usage: npm run bench
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { ConsumerGroups, Topics } from '#contracts';
import type { UpstreamRequestPayload } from '#contracts';
import { createKafka } from '#kafka';
import {
  KafkaTestClient,
  WebhookReceiver,
  freePort,
  isolatedDatabase,
  startGroupAtEnd,
  upstreamRequest,
  webhookSecret,
} from '#testing';
import { ensureContractTopics } from '../tools/infra/index.js';
import {
  benchInfrastructure,
  machine,
  percentile,
  printTable,
  startService,
  stopService,
  writeResult,
} from './bench-support.js';

const RATE = Number(process.env.BENCH_RATE ?? 500);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 20);
const BURST = Number(process.env.BENCH_TICKETS ?? 20_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5_000);
const TARGET_RATE = 2_000;
const TARGET_P99_MS = 1_000;

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

/** One in ten is an urgent access problem by phone (an alert); the rest spread over the channels. */
function request(index: number): UpstreamRequestPayload {
  const requester = { email: `bench-${index}@example.org`, orgId: `org-${index % 40}`, userId: `user-${index}` };
  switch (index % 10) {
    case 0:
      return upstreamRequest({
        channel: 'phone',
        urgency: 'high',
        message: 'Connexion impossible, mon compte est bloqué',
        requester,
      });
    case 1:
    case 2:
    case 3:
      return upstreamRequest({ channel: 'chat', message: 'How do I document a new processing activity?', requester });
    case 4:
    case 5:
    case 6:
      return upstreamRequest({
        channel: 'form',
        requestType: 'bug',
        message: 'The export of the register fails after the upload.',
        requester,
      });
    default:
      return upstreamRequest({
        channel: 'email',
        message: 'Do you provide a data processing agreement template?',
        requester: { email: requester.email },
      });
  }
}

interface Sample {
  readonly at: number;
  readonly ms: number;
}

/** Produces at a steady rate in 10 ms ticks; returns each request's submit time. */
async function produce(
  kafka: KafkaTestClient,
  requests: readonly UpstreamRequestPayload[],
  rate: number,
  submittedAt: Map<string, number>,
): Promise<void> {
  const started = Date.now();
  let sent = 0;
  while (sent < requests.length) {
    const due =
      rate === Infinity
        ? requests.length
        : Math.min(requests.length, Math.floor(((Date.now() - started) / 1000) * rate) + 1);
    if (due > sent) {
      const slice = requests.slice(sent, due);
      for (let start = 0; start < slice.length; start += 2_000) {
        const chunk = slice.slice(start, start + 2_000);
        const at = Date.now();
        await kafka.produce(
          Topics.requests,
          chunk.map((item) => ({ key: item.requestId, value: JSON.stringify(item) })),
        );
        for (const item of chunk) submittedAt.set(item.requestId, at);
      }
      sent = due;
    }
    if (rate !== Infinity) await new Promise((done) => setTimeout(done, 10));
  }
}

/** Events one watcher query returns at most; a poll that gets that many reads again at once. */
const WATCH_PAGE = 5_000;
const WATCH_INTERVAL_MS = 100;
/** Only new events, through the primary key; the submitted event carries the request id. */
const WATCH_QUERY = `
  SELECT seq, topic, ticket_id, CASE WHEN topic = $2 THEN payload->>'requestId' END AS request_id, recorded_at
    FROM history.events
   WHERE seq > $1 AND topic IN ($2, $3)
   ORDER BY seq
   LIMIT ${WATCH_PAGE}`;

interface WatchedEvent {
  readonly seq: string;
  readonly topic: string;
  readonly ticket_id: string | null;
  readonly request_id: string | null;
  readonly recorded_at: Date;
}

/** The parts of an EXPLAIN (FORMAT JSON) plan node the watcher reports. */
interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

/**
 * Watches history as it stores tickets: request id -> when its routed event was recorded.
 *
 * A poll reads only the events it has not seen (`seq` above the last one read, in primary key
 * order), so what it costs PostgreSQL follows the events stored since the last poll, not the size
 * of the store. Nothing can appear behind the position read so far: history appends under the
 * chain lock, so each append commits before the next one takes its seqs. The request id comes
 * from the ticket's submitted event, not from a join with history.tickets: PostgreSQL planned
 * that join as a sequential scan with parallel workers, a cost that grew with the store on every
 * poll. A routed event read before its ticket's submitted event waits for it.
 */
class HistoryWatcher {
  readonly visibleAt = new Map<string, number>();
  private readonly requestOfTicket = new Map<string, string>();
  /** Routed events whose ticket's submitted event has not been read yet: ticket id -> recorded at. */
  private readonly routedFirst = new Map<string, number>();
  private lastSeq = '0';
  private running = true;
  private loop: Promise<void> | undefined;

  constructor(private readonly client: pg.Client) {}

  async start(): Promise<void> {
    // A poll reads the rows of one interval: parallel workers would cost more than they could save.
    await this.client.query('SET max_parallel_workers_per_gather = 0');
    this.loop = (async () => {
      while (this.running) {
        const read = await this.poll();
        if (read < WATCH_PAGE) await new Promise((done) => setTimeout(done, WATCH_INTERVAL_MS));
      }
    })();
  }

  /** The request id of a ticket whose submitted event history has stored. */
  requestOf(ticketId: string): string | undefined {
    return this.requestOfTicket.get(ticketId);
  }

  /** The plan PostgreSQL uses for a poll from here on, e.g. `Limit > Index Scan (events_pkey)`. */
  async plan(): Promise<string> {
    try {
      const result = await this.client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (FORMAT JSON) ${WATCH_QUERY}`,
        [this.lastSeq, Topics.ticketsSubmitted, Topics.ticketsRouted],
      );
      const root = result.rows[0]?.['QUERY PLAN'][0].Plan;
      return root ? describePlan(root) : 'unknown (no plan returned)';
    } catch (error) {
      return `unknown (EXPLAIN failed: ${error instanceof Error ? error.message : String(error)})`;
    }
  }

  private async poll(): Promise<number> {
    const { rows } = await this.client.query<WatchedEvent>(WATCH_QUERY, [
      this.lastSeq,
      Topics.ticketsSubmitted,
      Topics.ticketsRouted,
    ]);
    for (const row of rows) {
      this.lastSeq = row.seq;
      if (row.ticket_id === null) continue;
      if (row.topic === Topics.ticketsSubmitted) {
        if (row.request_id === null) continue;
        this.requestOfTicket.set(row.ticket_id, row.request_id);
        const routedAt = this.routedFirst.get(row.ticket_id);
        if (routedAt === undefined) continue;
        this.visibleAt.set(row.request_id, routedAt);
        this.routedFirst.delete(row.ticket_id);
        continue;
      }
      const requestId = this.requestOfTicket.get(row.ticket_id);
      if (requestId === undefined) this.routedFirst.set(row.ticket_id, row.recorded_at.getTime());
      else this.visibleAt.set(requestId, row.recorded_at.getTime());
    }
    return rows.length;
  }

  async waitFor(requestIds: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (requestIds.some((id) => !this.visibleAt.has(id))) {
      if (Date.now() > deadline)
        throw new Error(
          `${requestIds.filter((id) => !this.visibleAt.has(id)).length} requests not visible in history within ${timeoutMs} ms`,
        );
      await new Promise((done) => setTimeout(done, 100));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** A plan as its nodes from the top, each with the index it uses. */
function describePlan(node: PlanNode): string {
  const here = node['Index Name'] ? `${node['Node Type']} (${node['Index Name']})` : node['Node Type'];
  const below = (node.Plans ?? []).map(describePlan);
  return below.length === 0 ? here : `${here} > ${below.length === 1 ? below[0] : `[${below.join(', ')}]`}`;
}

async function rawBaseline(
  brokers: string[],
  count: number,
  sample: string,
): Promise<{ produceSeconds: number; roundTripSeconds: number; recordsPerSecond: number }> {
  const topic = `bench.pipeline.raw.${randomUUID().slice(0, 8)}`;
  const kafka = createKafka({ brokers, clientId: 'bench-raw' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxWaitTimeInMs: 100 });
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let consumed = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        consumed += batch.messages.length;
        if (consumed >= count) done();
      },
    });
    const started = Date.now();
    for (let start = 0; start < count; start += 2_000) {
      const size = Math.min(2_000, count - start);
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: size }, (_, index) => ({ key: String(start + index), value: sample })),
      });
    }
    const produced = Date.now();
    await all;
    const finished = Date.now();
    return {
      produceSeconds: (produced - started) / 1000,
      roundTripSeconds: (finished - started) / 1000,
      recordsPerSecond: count / ((finished - started) / 1000),
    };
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

function svgChart(samples: readonly Sample[], startedAt: number): string {
  const bySecond = new Map<number, number[]>();
  for (const sample of samples) {
    const second = Math.floor((sample.at - startedAt) / 1000);
    const values = bySecond.get(second) ?? [];
    values.push(sample.ms);
    bySecond.set(second, values);
  }
  const seconds = [...bySecond.keys()].sort((a, b) => a - b);
  const points = seconds.map((second) => {
    const values = (bySecond.get(second) ?? []).sort((a, b) => a - b);
    return { second, p50: percentile(values, 0.5), p99: percentile(values, 0.99) };
  });
  const width = 800;
  const height = 360;
  const margin = 50;
  const maxX = Math.max(1, ...seconds);
  const maxY = Math.max(100, ...points.map((point) => point.p99));
  const x = (second: number): number => margin + (second / maxX) * (width - 2 * margin);
  const y = (ms: number): number => height - margin - (ms / maxY) * (height - 2 * margin);
  const line = (key: 'p50' | 'p99'): string =>
    points.map((point) => `${x(point.second).toFixed(1)},${y(point[key]).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => Math.round(maxY * fraction));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${margin}" y="20">submit -> history-visible latency per second of submission (ms)</text>
<line x1="${margin}" y1="${height - margin}" x2="${width - margin}" y2="${height - margin}" stroke="black"/>
<line x1="${margin}" y1="${margin}" x2="${margin}" y2="${height - margin}" stroke="black"/>
${ticks.map((tick) => `<text x="5" y="${y(tick) + 4}">${tick}</text><line x1="${margin}" y1="${y(tick)}" x2="${width - margin}" y2="${y(tick)}" stroke="#ddd"/>`).join('\n')}
<text x="${width / 2}" y="${height - 15}">seconds since the first request</text>
<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${line('p50')}"/>
<polyline fill="none" stroke="#d62728" stroke-width="2" points="${line('p99')}"/>
<text x="${width - margin - 80}" y="${margin}" fill="#1f77b4">p50</text><text x="${width - margin - 40}" y="${margin}" fill="#d62728">p99</text>
</svg>
`;
}

async function main(): Promise<void> {
  const infra = await benchInfrastructure();
  const brokers = infra.brokers.split(',');
  await ensureContractTopics(brokers, log);
  const database = await isolatedDatabase(infra.databaseUrl, 'pipeline_bench');
  const secret = webhookSecret();
  const receiver = await new WebhookReceiver({ secret }).start();
  const kafka = new KafkaTestClient(brokers);
  const watcherClient = new pg.Client({ connectionString: database.url });
  const services: Awaited<ReturnType<typeof startService>>[] = [];
  try {
    const contractTopics = Object.values(Topics).filter((topic) => topic !== Topics.psmAssignments);
    for (const group of Object.values(ConsumerGroups)) await startGroupAtEnd(brokers, group, contractTopics);
    const common = { KAFKA_BROKERS: infra.brokers, DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
    const ports = {
      intake: await freePort(),
      routing: await freePort(),
      notification: await freePort(),
      history: await freePort(),
    };
    log('starting intake, routing, notification and history');
    services.push(await startService('intake', ports.intake, common));
    services.push(await startService('routing', ports.routing, common));
    services.push(
      await startService('notification', ports.notification, {
        ...common,
        NOTIFY_WEBHOOK_SECRET: secret,
        NOTIFY_RECIPIENTS: JSON.stringify({
          'phone-desk': { channel: 'webhook', url: receiver.url('/desk') },
          'on-call': { channel: 'webhook', url: receiver.url('/on-call') },
        }),
      }),
    );
    services.push(await startService('history', ports.history, common, ['--max-semi-space-size=64']));
    // Where records queue: each service's consumer lag (sum over its partitions), sampled every second.
    const maxLag: Record<string, number> = {};
    const lagSampler = setInterval(() => {
      for (const [name, port] of Object.entries(ports)) {
        void fetch(`http://127.0.0.1:${port}/metrics`)
          .then((response) => response.text())
          .then((text) => {
            const lag = text
              .split('\n')
              .filter((line) => line.startsWith('kafka_consumer_lag_records{'))
              .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
            maxLag[name] = Math.max(maxLag[name] ?? 0, lag);
          })
          .catch(() => undefined);
      }
    }, 1_000);
    await watcherClient.connect();
    const watcher = new HistoryWatcher(watcherClient);
    await watcher.start();

    const submittedAt = new Map<string, number>();
    let index = 0;
    // Not measured: the broker's and the services' JIT compilers and pools warm up first, as in a
    // deployment that has been running for a while.
    if (WARMUP > 0) {
      const warmup = Array.from({ length: WARMUP }, () => request(index++));
      log(`warm-up: ${warmup.length} requests, not measured`);
      await produce(kafka, warmup, Infinity, new Map());
      await watcher.waitFor(
        warmup.map((item) => item.requestId),
        300_000,
      );
      for (const name of Object.keys(maxLag)) delete maxLag[name];
    }
    const watcherPlan = await watcher.plan();
    log(`history watcher's query plan: ${watcherPlan}`);
    if (/Seq Scan|Gather/.test(watcherPlan))
      log('the watcher does not read history through the index: it measures itself');
    const paced = Array.from({ length: RATE * PACED_SECONDS }, () => request(index++));
    log(`paced phase: ${paced.length} requests at ${RATE}/s`);
    const pacedStarted = Date.now();
    await produce(kafka, paced, RATE, submittedAt);
    await watcher.waitFor(
      paced.map((item) => item.requestId),
      120_000,
    );

    const burst = Array.from({ length: BURST }, () => request(index++));
    log(`burst phase: ${burst.length} requests at once`);
    const burstStarted = Date.now();
    await produce(kafka, burst, Infinity, submittedAt);
    await watcher.waitFor(
      burst.map((item) => item.requestId),
      600_000,
    );
    const burstEnded = Math.max(...burst.map((item) => watcher.visibleAt.get(item.requestId) ?? 0));
    await watcher.stop();
    clearInterval(lagSampler);
    log(`largest consumer lag seen, in records: ${JSON.stringify(maxLag)}`);

    const latency = (items: readonly UpstreamRequestPayload[]): Sample[] =>
      items.map((item) => ({
        at: submittedAt.get(item.requestId) ?? 0,
        ms: (watcher.visibleAt.get(item.requestId) ?? 0) - (submittedAt.get(item.requestId) ?? 0),
      }));
    const pacedSamples = latency(paced);
    const pacedSorted = pacedSamples.map((sample) => sample.ms).sort((a, b) => a - b);
    const sustained = burst.length / ((burstEnded - burstStarted) / 1000);

    // Alerts: webhook ticket id -> request id, from the tickets' submitted events as history
    // stored them. The wait is for alert webhooks still in delivery.
    await new Promise((done) => setTimeout(done, 2_000));
    const pacedIds = new Set(paced.map((item) => item.requestId));
    const alertMs = receiver.received
      .filter((webhook) => webhook.path === '/desk' || webhook.path === '/on-call')
      .map((webhook) => ({ requestId: watcher.requestOf(String(webhook.json.data.ticketId)), at: webhook.receivedAt }))
      .filter(
        (alert): alert is { requestId: string; at: number } =>
          alert.requestId !== undefined && pacedIds.has(alert.requestId),
      )
      .map((alert) => alert.at - (submittedAt.get(alert.requestId) ?? alert.at))
      .sort((a, b) => a - b);

    log(`raw baseline: ${BURST} records through a bare kafkajs producer and consumer`);
    const raw = await rawBaseline(brokers, BURST, JSON.stringify(request(0)));

    const p50 = percentile(pacedSorted, 0.5);
    const p99 = percentile(pacedSorted, 0.99);
    const alertP50 = percentile(alertMs, 0.5);
    const alertP99 = percentile(alertMs, 0.99);
    printTable(`Pipeline (four services; ${paced.length} paced at ${RATE}/s, then a burst of ${BURST})`, [
      {
        measure: 'sustained tickets/s (burst, submit -> visible in history)',
        value: sustained.toFixed(0),
        target: `>= ${TARGET_RATE}`,
        met: sustained >= TARGET_RATE ? 'yes' : 'NO',
      },
      {
        measure: 'raw baseline: bare kafkajs produce + consume, records/s',
        value: raw.recordsPerSecond.toFixed(0),
        target: '-',
        met: '-',
      },
      { measure: `submit -> history-visible p50 at ${RATE}/s`, value: `${p50.toFixed(0)} ms`, target: '-', met: '-' },
      {
        measure: `submit -> history-visible p99 at ${RATE}/s`,
        value: `${p99.toFixed(0)} ms`,
        target: `< ${TARGET_P99_MS} ms`,
        met: p99 < TARGET_P99_MS ? 'yes' : 'NO',
      },
      {
        measure: `urgent access: submit -> phone-desk webhook p50 (${alertMs.length} alerts)`,
        value: `${alertP50.toFixed(0)} ms`,
        target: '-',
        met: '-',
      },
      {
        measure: 'urgent access: submit -> phone-desk webhook p99',
        value: `${alertP99.toFixed(0)} ms`,
        target: `< ${TARGET_P99_MS} ms`,
        met: alertP99 < TARGET_P99_MS ? 'yes' : 'NO',
      },
    ]);
    const chart = resolve(process.cwd(), 'bench/results/pipeline-latency.svg');
    const file = writeResult('pipeline', {
      machine: machine(),
      at: new Date().toISOString(),
      warmup: WARMUP,
      watcherPlan,
      paced: {
        requests: paced.length,
        rate: RATE,
        p50Ms: p50,
        p99Ms: p99,
        alerts: alertMs.length,
        alertP50Ms: alertP50,
        alertP99Ms: alertP99,
      },
      burst: { requests: burst.length, seconds: (burstEnded - burstStarted) / 1000, ticketsPerSecond: sustained },
      raw,
      maxConsumerLag: maxLag,
      targets: { ticketsPerSecond: TARGET_RATE, p99Ms: TARGET_P99_MS },
    });
    writeFileSync(chart, svgChart([...pacedSamples, ...latency(burst)], pacedStarted));
    log(`results written to ${file} and ${chart}`);
  } finally {
    for (const service of services.reverse()) await stopService(service);
    await watcherClient.end().catch(() => undefined);
    await receiver.stop();
    await kafka.close();
    await database.drop();
    await infra.release();
  }
}

await main();
