/**
 * Assignment in desk (a process, on the test-profile broker and an isolated database), once per
 * policy (least-loaded, round-robin):
 *
 * 1. routed -> assigned while agents are free: BENCH_FREE_TICKETS (200) tickets at 100/s to 50
 *    online agents with room for all of them; target p99 < 200 ms (queue record's broker time to
 *    the assignment's);
 * 2. throughput: BENCH_TICKETS (10,000) tickets at once to BENCH_AGENTS (50) agents of capacity 5,
 *    agents resolving what they get (a `resolved` event, as an agent app would publish) and
 *    presence changing every BENCH_FLAP_MS (2 s) for a fifth of them; assignments/s (target
 *    2,000/s), capacity never exceeded (sampled), no ticket given to two agents, and the load spread
 *    (most and fewest tickets an agent got).
 *
 * Prints a table and writes bench/results/assignment.json.
 */
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Topics } from '#contracts';
import type { TicketLifecyclePayload } from '#contracts';
import { DEFAULT_RULES_FILE } from '#rules';
import type { AssignmentPolicy } from '#rules';
import {
  KafkaTestClient,
  freePort,
  isolatedDatabase,
  queuedTicket,
  startGroupAtEnd,
  tailTopics,
  userToken,
} from '#testing';
import type { ReadRecord } from '#testing';
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

const TICKETS = Number(process.env.BENCH_TICKETS ?? 10_000);
const FREE_TICKETS = Number(process.env.BENCH_FREE_TICKETS ?? 200);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 50);
const CAPACITY = 5;
const FLAP_MS = Number(process.env.BENCH_FLAP_MS ?? 2_000);
const FREE_RATE = 100;
const CHUNK = 1_000;

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

interface Assigned {
  readonly ticketId: string;
  readonly agentId: string | null;
  readonly at: number;
}

interface PolicyResult {
  readonly policy: AssignmentPolicy;
  readonly freeP50: number;
  readonly freeP99: number;
  readonly assignmentsPerSecond: number;
  readonly assigned: number;
  readonly overCapacity: number;
  readonly doubled: number;
  readonly spread: { readonly most: number; readonly fewest: number };
}

function assignedOf(records: readonly ReadRecord[]): Assigned[] {
  const found: Assigned[] = [];
  for (const record of records) {
    const event = JSON.parse(record.value ?? '{}') as TicketLifecyclePayload;
    if (event.event === 'assigned')
      found.push({ ticketId: event.ticketId, agentId: event.agentId ?? null, at: Number(record.timestamp) });
  }
  return found;
}

async function run(
  policy: Exclude<AssignmentPolicy, 'none'>,
  brokers: string[],
  databaseUrl: string,
): Promise<PolicyResult> {
  const database = await isolatedDatabase(databaseUrl, `assign_bench_${policy.replace('-', '_')}`);
  const rules = JSON.parse(readFileSync(DEFAULT_RULES_FILE, 'utf8')) as {
    assignment: { policies: Record<string, string> };
  };
  rules.assignment.policies.support = policy;
  const rulesFile = join(mkdtempSync(join(tmpdir(), 'assignment-bench-')), 'rules.json');
  writeFileSync(rulesFile, JSON.stringify(rules));
  const groupId = `support-desk-bench-${randomUUID().slice(0, 8)}`;
  const consumed = [
    Topics.queuePsm,
    Topics.queueSupport,
    Topics.ticketsLifecycle,
    Topics.ticketsMessages,
    Topics.subjectsErased,
    Topics.agents,
    Topics.psmAssignments,
  ];
  await startGroupAtEnd(brokers, groupId, consumed);
  const kafka = new KafkaTestClient(brokers);
  const lifecycle = await tailTopics(kafka, [Topics.ticketsLifecycle], { brokers });
  const queued = await tailTopics(kafka, [Topics.queueSupport], { brokers });
  const port = await freePort();
  let desk: ChildProcess | undefined;
  const watcher = new pg.Client({ connectionString: database.url });
  try {
    desk = await startService('desk', port, {
      KAFKA_BROKERS: brokers.join(','),
      DATABASE_URL: database.url,
      DESK_CONSUMER_GROUP: groupId,
      ROUTING_RULES_FILE: rulesFile,
    });
    await watcher.connect();
    const base = `http://127.0.0.1:${port}`;
    const agents = Array.from({ length: AGENTS }, (_, index) => `bench-agent-${index}`);
    const tokens = new Map<string, string>();
    for (const agent of agents) tokens.set(agent, await userToken({ sub: agent, roles: ['agent'] }));
    const setPresence = async (agent: string, status: 'online' | 'away'): Promise<void> => {
      const response = await fetch(`${base}/v1/desk/agents/me`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${tokens.get(agent)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status, capacity: CAPACITY, locales: ['fr', 'en'] }),
      });
      await response.body?.cancel();
      if (response.status !== 200) throw new Error(`presence of ${agent}: ${response.status}`);
    };
    for (const agent of agents) await setPresence(agent, 'online');

    // 1. Latency while agents are free.
    log(`${policy}: ${FREE_TICKETS} tickets at ${FREE_RATE}/s to free agents`);
    const free = Array.from({ length: FREE_TICKETS }, () =>
      queuedTicket({ slaDueAt: new Date(Date.now() + 3_600_000).toISOString() }),
    );
    const freeIds = new Set(free.map((ticket) => ticket.ticketId));
    const started = Date.now();
    for (const [index, ticket] of free.entries()) {
      const due = started + (index * 1000) / FREE_RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      await kafka.produce(Topics.queueSupport, [{ key: ticket.ticketId, value: JSON.stringify(ticket) }]);
    }
    const producedAt = new Map<string, number>();
    const waitFor = async (predicate: () => boolean, timeoutMs: number): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate() && Date.now() < deadline) await sleep(50);
    };
    await waitFor(
      () => assignedOf(lifecycle.records).filter((item) => freeIds.has(item.ticketId)).length >= FREE_TICKETS,
      60_000,
    );
    for (const record of queued.records)
      if (record.key && freeIds.has(record.key)) producedAt.set(record.key, Number(record.timestamp));
    const freeDelays = assignedOf(lifecycle.records)
      .filter((item) => freeIds.has(item.ticketId) && item.agentId !== null)
      .map((item) => item.at - (producedAt.get(item.ticketId) ?? item.at))
      .sort((left, right) => left - right);
    // Resolved, so that the throughput phase starts with every agent free.
    await produceResolutions(
      kafka,
      free.map((ticket) => ticket.ticketId),
      'bench-agent-0',
    );

    // 2. Throughput with resolutions and flapping presence.
    log(`${policy}: ${TICKETS} tickets at once to ${AGENTS} agents of capacity ${CAPACITY}`);
    const tickets = Array.from({ length: TICKETS }, () => queuedTicket());
    const ids = new Set(tickets.map((ticket) => ticket.ticketId));
    let overCapacity = 0;
    let running = true;
    const resolved = new Set<string>();
    const resolver = (async () => {
      while (running) {
        const fresh = assignedOf(lifecycle.records).filter(
          (item) => ids.has(item.ticketId) && item.agentId !== null && !resolved.has(item.ticketId),
        );
        for (const item of fresh) resolved.add(item.ticketId);
        for (let start = 0; start < fresh.length; start += CHUNK)
          await produceResolutions(
            kafka,
            fresh.slice(start, start + CHUNK).map((item) => item.ticketId),
            fresh[start]!.agentId!,
          );
        const { rows } = await watcher.query<{ load: number }>(
          `SELECT count(*)::int AS load FROM desk.tickets WHERE assigned AND claimed_by IS NULL AND status <> 'resolved' GROUP BY assignee HAVING count(*) > $1`,
          [CAPACITY],
        );
        overCapacity += rows.length;
        await sleep(20);
      }
    })();
    const flapper = (async () => {
      let round = 0;
      while (running) {
        await sleep(FLAP_MS);
        round += 1;
        const flapping = agents.filter((_, index) => index % 5 === round % 5);
        for (const agent of flapping) await setPresence(agent, round % 2 === 0 ? 'online' : 'away');
        if (round % 2 === 1) {
          await sleep(FLAP_MS / 2);
          for (const agent of flapping) await setPresence(agent, 'online');
        }
      }
    })();
    const throughputStart = Date.now();
    for (let start = 0; start < tickets.length; start += CHUNK) {
      await kafka.produce(
        Topics.queueSupport,
        tickets.slice(start, start + CHUNK).map((ticket) => ({ key: ticket.ticketId, value: JSON.stringify(ticket) })),
      );
    }
    await waitFor(() => resolved.size >= TICKETS, 600_000);
    running = false;
    await Promise.all([resolver, flapper]);
    const assignments = assignedOf(lifecycle.records).filter((item) => ids.has(item.ticketId));
    const first = assignments.filter((item) => item.agentId !== null);
    const elapsed = Math.max(...first.map((item) => item.at)) - throughputStart;
    const byTicket = new Map<string, (string | null)[]>();
    for (const item of assignments) byTicket.set(item.ticketId, [...(byTicket.get(item.ticketId) ?? []), item.agentId]);
    const doubled = [...byTicket.values()].filter((sequence) =>
      sequence.some((agent, index) => index > 0 && agent !== null && sequence[index - 1] !== null),
    ).length;
    const perAgent = new Map<string, number>();
    for (const item of first) perAgent.set(item.agentId!, (perAgent.get(item.agentId!) ?? 0) + 1);
    const counts = agents.map((agent) => perAgent.get(agent) ?? 0);
    return {
      policy,
      freeP50: percentile(freeDelays, 0.5),
      freeP99: percentile(freeDelays, 0.99),
      assignmentsPerSecond: Math.round(first.length / (elapsed / 1000)),
      assigned: first.length,
      overCapacity,
      doubled,
      spread: { most: Math.max(...counts), fewest: Math.min(...counts) },
    };
  } finally {
    if (desk) await stopService(desk);
    await watcher.end().catch(() => undefined);
    await lifecycle.stop();
    await queued.stop();
    await kafka.close();
    await database.drop().catch(() => undefined);
  }
}

/** `resolved` events for the tickets, as an agent app publishes them. */
async function produceResolutions(kafka: KafkaTestClient, ticketIds: readonly string[], actor: string): Promise<void> {
  if (ticketIds.length === 0) return;
  const at = new Date().toISOString();
  await kafka.produce(
    Topics.ticketsLifecycle,
    ticketIds.map((ticketId) => ({
      key: ticketId,
      value: JSON.stringify({ ticketId, event: 'resolved', at, actor } satisfies TicketLifecyclePayload),
    })),
  );
}

async function main(): Promise<void> {
  const infra = await benchInfrastructure();
  const brokers = infra.brokers.split(',');
  await ensureContractTopics(brokers, log);
  try {
    const results: PolicyResult[] = [];
    for (const policy of ['least-loaded', 'round-robin'] as const)
      results.push(await run(policy, brokers, infra.databaseUrl));
    const table = results.flatMap((result) => [
      {
        measure: `${result.policy}: routed -> assigned p50, agents free (${FREE_TICKETS} at ${FREE_RATE}/s)`,
        value: `${result.freeP50} ms`,
        target: '-',
        met: '-',
      },
      {
        measure: `${result.policy}: routed -> assigned p99, agents free`,
        value: `${result.freeP99} ms`,
        target: '< 200 ms',
        met: result.freeP99 < 200 ? 'yes' : 'NO',
      },
      {
        measure: `${result.policy}: assignments/s (${TICKETS} tickets, ${AGENTS} agents x ${CAPACITY}, presence flapping)`,
        value: result.assignmentsPerSecond,
        target: '>= 2000',
        met: result.assignmentsPerSecond >= 2000 ? 'yes' : 'NO',
      },
      {
        measure: `${result.policy}: samples over capacity / tickets given to two agents`,
        value: `${result.overCapacity} / ${result.doubled}`,
        target: '0 / 0',
        met: result.overCapacity === 0 && result.doubled === 0 ? 'yes' : 'NO',
      },
      {
        measure: `${result.policy}: load spread, most / fewest tickets per agent`,
        value: `${result.spread.most} / ${result.spread.fewest}`,
        target: '-',
        met: '-',
      },
    ]);
    printTable(`Assignment (desk alone; ${AGENTS} agents of capacity ${CAPACITY})`, table);
    const file = writeResult('assignment', {
      machine: machine(),
      settings: { TICKETS, FREE_TICKETS, AGENTS, CAPACITY, FLAP_MS },
      results,
      table,
    });
    log(`results written to ${file}`);
  } finally {
    await infra.release();
  }
}

await main();
