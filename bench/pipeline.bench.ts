/**
 * The whole pipeline: the services as separate processes (desk too unless BENCH_DESK=0), requests produced to
 * `support.requests.v1`, each measured until history shows its routing decision.
 *
 * 0. Warm-up, not measured: BENCH_WARMUP requests (default 5000) at once, then rounds of
 *    BENCH_WARMUP_ROUND_SECONDS (default 10) at BENCH_RATE until the broker is warm (its JIT
 *    compiler threads used at most BENCH_WARM_JIT_SHARE, default 0.1, of its CPU in two rounds in a
 *    row) or BENCH_WARMUP_MAX_SECONDS (default 300) have passed; how long it took is reported.
 * 1. Paced phases of BENCH_PACED_SECONDS (default 20) each: BENCH_LOW_RATE requests/s (default
 *    250; 0 skips it), then BENCH_RATE (default 500). At BENCH_RATE: submit -> history-visible
 *    latency (the routed event stored in the audit chain), and for the urgent access requests (one
 *    in ten) submit -> phone-desk (or on-call) webhook received.
 * 2. Burst phase: BENCH_TICKETS requests (default 20000) produced at once: sustained tickets/s from
 *    the first submit to the last ticket visible in history.
 * 3. Raw baseline in the same run: the same number of records of the same size produced and
 *    consumed by a bare kafkajs producer and consumer.
 *
 * CPU per ticket, in each of the three phases, of every process involved: the broker's JVM (its
 * JIT compiler threads also apart), PostgreSQL, each service, and this process (load generator,
 * history watcher, webhook receiver). Read from /proc just before a phase's first request and when
 * the pipeline has drained: history stored nothing new for BENCH_DRAIN_QUIET_MS (default 2000).
 * BENCH_BROKER_PID names the broker's JVM when the bench cannot tell which one it is.
 *
 * Prints two tables, writes bench/results/pipeline.json and bench/results/pipeline-latency.svg
 * (latency over time, per second: p50 and p99). Run it on a broker and database of its own: the
 * services' groups are moved to the end of their topics first, and nothing else may consume them.
 * KAFKA_BROKERS / DATABASE_URL: unset, the test-profile infrastructure (BENCH_KEEP_INFRA=1 leaves
 * it running, so that the next run starts on a warm broker). Usage: npm run bench
 */
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
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
import {
  CpuSampler,
  ProcFs,
  cpuTableRows,
  postmasterOf,
  postmasters,
  processCpu,
  processTreeCpu,
  threadsCpu,
} from '../tools/bench/process-cpu.js';
import type { CpuSnapshot, CpuSubject, PhaseCpu } from '../tools/bench/process-cpu.js';
import { ensureContractTopics } from '../tools/infra/index.js';
import {
  benchInfrastructure,
  findBroker,
  machine,
  percentile,
  printTable,
  startService,
  stopService,
  writeResult,
} from './bench-support.js';

const RATE = Number(process.env.BENCH_RATE ?? 500);
const LOW_RATE = Number(process.env.BENCH_LOW_RATE ?? 250);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 20);
const BURST = Number(process.env.BENCH_TICKETS ?? 20_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5_000);
/**
 * The warm-up goes on until the broker's JIT compilers take at most this share of its CPU. A JVM
 * compiles its hottest paths first and then keeps compiling rarer ones for a long time, so the
 * share falls fast, then slowly: the cut-off ends the warm-up after the fast part, and what is
 * left shows in every phase of the CPU table (JIT in broker) rather than being waited out on
 * every run. Several rounds in a row, because compiling comes in bursts and one round can fall
 * between two.
 */
const WARM_JIT_SHARE = Number(process.env.BENCH_WARM_JIT_SHARE ?? 0.1);
const WARM_ROUNDS_IN_A_ROW = 2;
/** Short, to stop soon after the broker is warm; long enough for the JIT's share in a round to span many clock ticks. */
const WARMUP_ROUND_SECONDS = Number(process.env.BENCH_WARMUP_ROUND_SECONDS ?? 10);
/** A broker still compiling then is reported as not warm; BENCH_KEEP_INFRA=1 lets the next run warm it further. */
const WARMUP_MAX_SECONDS = Number(process.env.BENCH_WARMUP_MAX_SECONDS ?? 300);
/**
 * A phase ends once history has stored nothing new for this long: longer than the slowest timer
 * on which a service picks up leftover work (the notification outbox relay's fallback poll), so
 * that a quiet spell means drained, not between two ticks.
 */
const DRAIN_QUIET_MS = Number(process.env.BENCH_DRAIN_QUIET_MS ?? 2_000);
/** Desk follows the queues too (BENCH_DESK=0 leaves it out, for the figure without it). */
const WITH_DESK = process.env.BENCH_DESK !== '0';
const DRAIN_CHECK_MS = 200;
const DRAIN_MAX_MS = 120_000;
const TARGET_RATE = 2_000;
const TARGET_P99_MS = 1_000;

/** Names of the CPU table's columns that are looked up. */
const BROKER = 'broker';
const JIT = 'JIT';
const POSTGRES = 'PostgreSQL';
/** HotSpot names its compiler threads `C1 CompilerThread<n>` and `C2 CompilerThread<n>`, cut to 15 characters. */
const JIT_THREADS = /^C[12] CompilerThre/;

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

/** Numbered requests, never the same twice in a run. */
class Requests {
  private index = 0;

  next(count: number): UpstreamRequestPayload[] {
    return Array.from({ length: count }, () => request(this.index++));
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

  /** The seq of the last event history stored, of any topic. */
  async lastStored(): Promise<string> {
    const { rows } = await this.client.query<{ last_seq: string }>(
      `SELECT last_seq FROM history.chain_head WHERE id = 1`,
    );
    return rows[0]?.last_seq ?? '0';
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

/** What a phase needs, shared by all of them. */
interface Run {
  readonly kafka: KafkaTestClient;
  readonly watcher: HistoryWatcher;
  readonly sampler: CpuSampler;
  readonly requests: Requests;
  /** Request id -> when it was produced, for every measured request. */
  readonly submittedAt: Map<string, number>;
}

interface PhaseResult {
  readonly requests: readonly UpstreamRequestPayload[];
  readonly startedAt: number;
  /** When the last of its tickets became visible in history. */
  readonly lastVisibleAt: number;
  readonly cpu: PhaseCpu;
}

interface WarmUpRound {
  readonly requests: number;
  readonly seconds: number;
  /** The broker's JIT compiler threads' share of its CPU in the round; null when not measured. */
  readonly jitShare: number | null;
}

interface WarmUp {
  readonly seconds: number;
  readonly requests: number;
  readonly rounds: readonly WarmUpRound[];
  /** Null when it could not be told: the broker is not on this machine, or no round ran. */
  readonly warm: boolean | null;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
const idsOf = (requests: readonly UpstreamRequestPayload[]): string[] => requests.map((item) => item.requestId);
const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;

/**
 * Waits until history has stored nothing new for DRAIN_QUIET_MS: what a phase's tickets cause
 * after their routed event (queue and alert events, notifications and their outcomes) is then done
 * too, so it counts in that phase's CPU and none of it spills into the next phase. Returns the
 * snapshot taken when the last new event was seen, which leaves the quiet spell's idle polling out.
 */
async function drained(run: Run): Promise<CpuSnapshot> {
  const deadline = Date.now() + DRAIN_MAX_MS;
  let head = await run.watcher.lastStored();
  let end = run.sampler.snapshot();
  let quietSince = Date.now();
  while (Date.now() - quietSince < DRAIN_QUIET_MS) {
    if (Date.now() > deadline) {
      log(`history still stores new events after ${DRAIN_MAX_MS / 1000} s: the phase ends here`);
      break;
    }
    await sleep(DRAIN_CHECK_MS);
    const now = await run.watcher.lastStored();
    if (now !== head) {
      head = now;
      end = run.sampler.snapshot();
      quietSince = Date.now();
    }
  }
  return end;
}

/**
 * Not measured: the broker's and the services' JIT compilers and pools warm up first, as in a
 * deployment that has been running for a while. A burst, then rounds at the paced rate until the
 * broker's compiler threads have used at most WARM_JIT_SHARE of its CPU WARM_ROUNDS_IN_A_ROW
 * rounds in a row, or WARMUP_MAX_SECONDS have passed.
 */
async function warmUp(run: Run): Promise<WarmUp> {
  const started = Date.now();
  let requests = 0;
  if (WARMUP > 0) {
    const burst = run.requests.next(WARMUP);
    log(`warm-up: ${burst.length} requests at once`);
    await produce(run.kafka, burst, Infinity, new Map());
    await run.watcher.waitFor(idsOf(burst), 300_000);
    requests += burst.length;
  }
  const rounds: WarmUpRound[] = [];
  let inARow = 0;
  while (WARMUP_ROUND_SECONDS > 0 && Date.now() - started < WARMUP_MAX_SECONDS * 1000) {
    const round = run.requests.next(RATE * WARMUP_ROUND_SECONDS);
    const start = run.sampler.snapshot();
    await produce(run.kafka, round, RATE, new Map());
    await run.watcher.waitFor(idsOf(round), 120_000);
    const end = run.sampler.snapshot();
    const used = run.sampler.usedMs(start, end);
    const broker = used.get(BROKER) ?? null;
    const jit = used.get(JIT) ?? null;
    const jitShare = broker !== null && jit !== null && broker > 0 ? jit / broker : null;
    rounds.push({ requests: round.length, seconds: (end.atMs - start.atMs) / 1000, jitShare });
    requests += round.length;
    log(
      `warm-up round ${rounds.length}: ${round.length} requests at ${RATE}/s, broker JIT ${jitShare === null ? 'not measured: one round only' : `${percent(jitShare)} of the broker's CPU`}`,
    );
    if (jitShare === null) break;
    inARow = jitShare <= WARM_JIT_SHARE ? inARow + 1 : 0;
    if (inARow >= WARM_ROUNDS_IN_A_ROW) break;
  }
  const last = rounds.at(-1);
  return {
    seconds: (Date.now() - started) / 1000,
    requests,
    rounds,
    warm: last === undefined || last.jitShare === null ? null : inARow >= WARM_ROUNDS_IN_A_ROW,
  };
}

/**
 * A measured phase: requests produced at `rate` (Infinity: all at once) until every ticket is
 * visible in history and the pipeline has drained. Its CPU window runs from just before the first
 * request to the last event history stored.
 */
async function measurePhase(
  run: Run,
  name: string,
  count: number,
  rate: number,
  timeoutMs: number,
): Promise<PhaseResult> {
  const requests = run.requests.next(count);
  log(`${name}: ${count} requests`);
  const start = run.sampler.snapshot();
  const startedAt = Date.now();
  await produce(run.kafka, requests, rate, run.submittedAt);
  await run.watcher.waitFor(idsOf(requests), timeoutMs);
  const lastVisibleAt = requests.reduce(
    (latest, item) => Math.max(latest, run.watcher.visibleAt.get(item.requestId) ?? 0),
    0,
  );
  const end = await drained(run);
  return { requests, startedAt, lastVisibleAt, cpu: run.sampler.phase(name, count, start, end) };
}

/** A column of the CPU table that stays empty: its process is not on this machine. */
function notMeasured(name: string, description: string, partOf?: string): CpuSubject {
  return { name, description, ...(partOf === undefined ? {} : { partOf }), read: () => undefined };
}

/** The processes whose CPU the bench reports, as found on this machine. */
async function cpuSubjects(
  proc: ProcFs,
  brokers: string,
  watcherClient: pg.Client,
  services: readonly { readonly name: string; readonly child: ChildProcess }[],
): Promise<CpuSubject[]> {
  const subjects: CpuSubject[] = [];
  const broker = findBroker(proc, brokers);
  log(`broker JVM: ${broker.pid === undefined ? '' : `pid ${broker.pid}, `}${broker.how}`);
  const jitDescription =
    'its C1 and C2 compiler threads; a lower bound, since one that ends between two snapshots takes its time with it';
  if (broker.pid === undefined) {
    subjects.push(notMeasured(BROKER, broker.how), notMeasured(JIT, jitDescription, BROKER));
  } else {
    subjects.push(
      processCpu(BROKER, broker.pid, `JVM pid ${broker.pid}: ${broker.how}`),
      threadsCpu(JIT, broker.pid, JIT_THREADS, jitDescription, BROKER),
    );
  }
  const { rows } = await watcherClient.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const backend = rows[0]?.pid;
  const postmaster = backend === undefined ? undefined : postmasterOf(proc, backend);
  if (backend !== undefined && postmaster !== undefined) {
    subjects.push(
      processTreeCpu(
        POSTGRES,
        [postmaster],
        `the server of the bench database: postmaster pid ${postmaster} and its children (the backends of every database, background and parallel workers), including those that ended`,
      ),
      processCpu('watcher backend', backend, `the backend serving the history watcher, pid ${backend}`, POSTGRES),
    );
  } else {
    const servers = postmasters(proc);
    const how =
      servers.length === 0
        ? 'no postgres process on this machine: not measured'
        : `every postgres process on this machine (postmasters ${servers.join(', ')} and their children): the bench database's backend is not among them (a container, or another machine)`;
    log(`PostgreSQL: ${how}`);
    subjects.push(processTreeCpu(POSTGRES, servers, how));
  }
  for (const { name, child } of services) {
    subjects.push(
      child.pid === undefined ? notMeasured(name, 'no pid') : processCpu(name, child.pid, `pid ${child.pid}`),
    );
  }
  subjects.push(
    processCpu(
      'bench',
      process.pid,
      'this process: load generator, history watcher, webhook receiver, metrics scraper',
    ),
  );
  return subjects;
}

function latencyOf(run: Run, phase: PhaseResult): Sample[] {
  return phase.requests.map((item) => ({
    at: run.submittedAt.get(item.requestId) ?? 0,
    ms: (run.watcher.visibleAt.get(item.requestId) ?? 0) - (run.submittedAt.get(item.requestId) ?? 0),
  }));
}

function p50p99(samples: readonly Sample[]): { p50Ms: number; p99Ms: number } {
  const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}

async function main(): Promise<void> {
  const infra = await benchInfrastructure();
  const brokers = infra.brokers.split(',');
  if (infra.startedNow.includes('kafka'))
    log('this run started the broker, so it starts cold: BENCH_KEEP_INFRA=1 keeps it warm for the next run');
  await ensureContractTopics(brokers, log);
  const database = await isolatedDatabase(infra.databaseUrl, 'pipeline_bench');
  const secret = webhookSecret();
  const receiver = await new WebhookReceiver({ secret }).start();
  const kafka = new KafkaTestClient(brokers);
  const watcherClient = new pg.Client({ connectionString: database.url });
  const services: { name: string; child: ChildProcess }[] = [];
  try {
    const contractTopics = Object.values(Topics).filter((topic) => topic !== Topics.psmAssignments);
    for (const group of Object.values(ConsumerGroups)) await startGroupAtEnd(brokers, group, contractTopics);
    const common = { KAFKA_BROKERS: infra.brokers, DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
    const ports = {
      intake: await freePort(),
      routing: await freePort(),
      notification: await freePort(),
      history: await freePort(),
      ...(WITH_DESK ? { desk: await freePort() } : {}),
    };
    log(`starting intake, routing, notification, history${WITH_DESK ? ' and desk' : ''}`);
    services.push({ name: 'intake', child: await startService('intake', ports.intake, common) });
    services.push({ name: 'routing', child: await startService('routing', ports.routing, common) });
    services.push({
      name: 'notification',
      child: await startService('notification', ports.notification, {
        ...common,
        NOTIFY_WEBHOOK_SECRET: secret,
        NOTIFY_RECIPIENTS: JSON.stringify({
          'phone-desk': { channel: 'webhook', url: receiver.url('/desk') },
          'on-call': { channel: 'webhook', url: receiver.url('/on-call') },
        }),
        // Nobody acknowledges the bench's alerts: their escalations would come a fixed time after the
        // alert, into whichever phase runs then, adding work that belongs to none of its tickets.
        ALERT_MAX_ESCALATIONS: '0',
      }),
    });
    services.push({
      name: 'history',
      child: await startService('history', ports.history, common, ['--max-semi-space-size=64']),
    });
    if (ports.desk !== undefined)
      services.push({ name: 'desk', child: await startService('desk', ports.desk, common) });
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
    const sampler = new CpuSampler(await cpuSubjects(new ProcFs(), infra.brokers, watcherClient, services));
    const run: Run = { kafka, watcher, sampler, requests: new Requests(), submittedAt: new Map() };

    const warm = await warmUp(run);
    log(
      `warm-up took ${warm.seconds.toFixed(0)} s (${warm.requests} requests): ${warm.warm === null ? 'the broker JIT was not watched' : warm.warm ? 'broker warm' : `broker not warm within ${WARMUP_MAX_SECONDS} s`}`,
    );
    await drained(run);
    for (const name of Object.keys(maxLag)) delete maxLag[name];
    const watcherPlan = await watcher.plan();
    log(`history watcher's query plan: ${watcherPlan}`);
    if (/Seq Scan|Gather/.test(watcherPlan))
      log('the watcher does not read history through the index: it measures itself');

    const low =
      LOW_RATE > 0
        ? await measurePhase(run, `paced ${LOW_RATE}/s`, LOW_RATE * PACED_SECONDS, LOW_RATE, 120_000)
        : undefined;
    const paced = await measurePhase(run, `paced ${RATE}/s`, RATE * PACED_SECONDS, RATE, 120_000);
    const burst = await measurePhase(run, 'burst', BURST, Infinity, 600_000);
    await watcher.stop();
    clearInterval(lagSampler);
    log(`largest consumer lag seen, in records: ${JSON.stringify(maxLag)}`);

    const pacedLatency = p50p99(latencyOf(run, paced));
    const lowLatency = low && p50p99(latencyOf(run, low));
    const sustained = burst.requests.length / ((burst.lastVisibleAt - burst.startedAt) / 1000);

    // Alerts: webhook ticket id -> request id, from the tickets' submitted events as history stored
    // them. All are in: the outcome of each delivery was stored in history before it drained.
    const pacedIds = new Set(idsOf(paced.requests));
    const alertMs = receiver.received
      .filter((webhook) => webhook.path === '/desk' || webhook.path === '/on-call')
      .map((webhook) => ({ requestId: watcher.requestOf(String(webhook.json.data.ticketId)), at: webhook.receivedAt }))
      .filter(
        (alert): alert is { requestId: string; at: number } =>
          alert.requestId !== undefined && pacedIds.has(alert.requestId),
      )
      .map((alert) => alert.at - (run.submittedAt.get(alert.requestId) ?? alert.at))
      .sort((a, b) => a - b);

    log(`raw baseline: ${BURST} records through a bare kafkajs producer and consumer`);
    const raw = await rawBaseline(brokers, BURST, JSON.stringify(request(0)));

    const { p50Ms: p50, p99Ms: p99 } = pacedLatency;
    const alertP50 = percentile(alertMs, 0.5);
    const alertP99 = percentile(alertMs, 0.99);
    printTable(
      `Pipeline (${services.length} services; ${low ? `${low.requests.length} paced at ${LOW_RATE}/s, ` : ''}${paced.requests.length} paced at ${RATE}/s, then a burst of ${BURST})`,
      [
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
        {
          measure: `submit -> history-visible p50 at ${RATE}/s`,
          value: `${p50.toFixed(0)} ms`,
          target: '-',
          met: '-',
        },
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
        {
          measure: `warm-up, not measured: until broker JIT <= ${percent(WARM_JIT_SHARE)} of its CPU`,
          value: `${warm.seconds.toFixed(0)} s, ${warm.requests} requests`,
          target: `<= ${WARMUP_MAX_SECONDS} s`,
          met: warm.warm === null ? 'n/a' : warm.warm ? 'yes' : 'NO',
        },
      ],
    );
    const cpuPhases = [...(low ? [low.cpu] : []), paced.cpu, burst.cpu];
    printTable(
      'CPU per ticket by process, ms, from the first request to the drained pipeline (a part, in parentheses, is not added twice; machine busy: cores busy with any process of the machine)',
      cpuTableRows(cpuPhases),
    );
    const firstStarted = (low ?? paced).startedAt;
    const chart = resolve(process.cwd(), 'bench/results/pipeline-latency.svg');
    const file = writeResult('pipeline', {
      machine: machine(),
      at: new Date().toISOString(),
      warmup: {
        ...warm,
        burstRequests: WARMUP,
        roundSeconds: WARMUP_ROUND_SECONDS,
        jitShareTarget: WARM_JIT_SHARE,
        roundsInARow: WARM_ROUNDS_IN_A_ROW,
        maxSeconds: WARMUP_MAX_SECONDS,
        brokerStartedByThisRun: infra.startedNow.includes('kafka'),
      },
      watcherPlan,
      pacedLow: low && lowLatency ? { requests: low.requests.length, rate: LOW_RATE, ...lowLatency } : null,
      paced: {
        requests: paced.requests.length,
        rate: RATE,
        p50Ms: p50,
        p99Ms: p99,
        alerts: alertMs.length,
        alertP50Ms: alertP50,
        alertP99Ms: alertP99,
      },
      burst: {
        requests: burst.requests.length,
        seconds: (burst.lastVisibleAt - burst.startedAt) / 1000,
        ticketsPerSecond: sustained,
      },
      raw,
      cpu: {
        clockTicksPerSecond: sampler.ticksPerSecond,
        drainQuietMs: DRAIN_QUIET_MS,
        processes: sampler.subjects.map(({ name, partOf, description }) => ({
          name,
          partOf: partOf ?? null,
          description,
        })),
        phases: cpuPhases,
      },
      maxConsumerLag: maxLag,
      targets: { ticketsPerSecond: TARGET_RATE, p99Ms: TARGET_P99_MS },
    });
    writeFileSync(
      chart,
      svgChart([...(low ? latencyOf(run, low) : []), ...latencyOf(run, paced), ...latencyOf(run, burst)], firstStarted),
    );
    log(`results written to ${file} and ${chart}`);
  } finally {
    for (const service of services.reverse()) await stopService(service.child);
    await watcherClient.end().catch(() => undefined);
    await receiver.stop();
    await kafka.close();
    await database.drop();
    await infra.release();
  }
}

await main();
