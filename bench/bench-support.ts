import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { ProcFs } from '../tools/bench/process-cpu.js';
import { ensureInfrastructure, profilePaths, stopInfrastructure } from '../tools/infra/index.js';
import { readState } from '../tools/infra/state.js';

/** The main class a Kafka broker's JVM runs, on its command line. */
const BROKER_MAIN_CLASS = 'kafka.Kafka';

/**
 * Kafka and PostgreSQL for a benchmark: the given ones, else the test profile, stopped afterwards
 * if this run started it. BENCH_KEEP_INFRA=1 leaves it running, so that the next run finds a broker
 * whose JIT has already compiled its hot paths (`npm run infra:down` stops it).
 */
export async function benchInfrastructure(): Promise<{
  brokers: string;
  databaseUrl: string;
  /** Components this run started (`kafka`, `postgres`): a broker among them starts cold. */
  startedNow: string[];
  release: () => Promise<void>;
}> {
  if (process.env.KAFKA_BROKERS && process.env.DATABASE_URL) {
    return {
      brokers: process.env.KAFKA_BROKERS,
      databaseUrl: process.env.DATABASE_URL,
      startedNow: [],
      release: async () => undefined,
    };
  }
  const infra = await ensureInfrastructure({
    profile: 'test',
    log: (line) => process.stderr.write(`[infra] ${line}\n`),
  });
  const keep = process.env.BENCH_KEEP_INFRA === '1';
  return {
    brokers: infra.kafkaBrokers.join(','),
    databaseUrl: infra.databaseUrl,
    startedNow: infra.startedNow,
    release: async () => {
      if (infra.startedNow.length === 0) return;
      if (keep) {
        process.stderr.write(`[infra] left running (BENCH_KEEP_INFRA=1): ${infra.startedNow.join(', ')}\n`);
        return;
      }
      await stopInfrastructure({ profile: 'test', only: infra.startedNow });
    },
  };
}

/**
 * The broker's JVM when it runs on this machine, for its CPU time: BENCH_BROKER_PID if set, else
 * the test profile's local broker when it is the one the bench uses, else the only process here
 * whose command line holds `kafka.Kafka`. Undefined, with the reason, when none of these applies
 * (a broker elsewhere, or several on this machine).
 */
export function findBroker(proc: ProcFs, brokers: string): { pid: number | undefined; how: string } {
  const fromEnv = process.env.BENCH_BROKER_PID;
  if (fromEnv) {
    const pid = Number(fromEnv);
    if (!Number.isInteger(pid) || !proc.stat(pid))
      throw new Error(`BENCH_BROKER_PID=${fromEnv} is not a running process`);
    return { pid, how: 'BENCH_BROKER_PID' };
  }
  const owned = readState('test').kafka;
  if (
    owned?.kind === 'process' &&
    owned.endpoint === brokers &&
    proc.findByCommandLine([owned.commandMatch]).includes(owned.pid)
  )
    return { pid: owned.pid, how: `the test profile's local broker (${profilePaths('test').stateFile})` };
  const candidates = proc.findByCommandLine([BROKER_MAIN_CLASS]);
  const [only] = candidates;
  if (candidates.length === 1 && only !== undefined)
    return { pid: only, how: `the only process here whose command line holds ${BROKER_MAIN_CLASS}` };
  return {
    pid: undefined,
    how:
      candidates.length === 0
        ? `no process here runs ${BROKER_MAIN_CLASS}: the broker's CPU is not measured`
        : `${candidates.length} processes here run ${BROKER_MAIN_CLASS} (pids ${candidates.join(', ')}): set BENCH_BROKER_PID`,
  };
}

/**
 * Starts a service from the build output and waits until it is ready. BENCH_NODE_ARGS adds node
 * options to the service only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it.
 */
export async function startService(
  name: string,
  port: number,
  env: Record<string, string>,
  serviceNodeArgs: readonly string[] = [],
): Promise<ChildProcess> {
  const nodeArgs = [...serviceNodeArgs, ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '')];
  const child = spawn(process.execPath, [...nodeArgs, resolve(process.cwd(), `dist/apps/${name}/src/main.js`)], {
    env: { ...process.env, ...env, [`${name.toUpperCase()}_PORT`]: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (response.status === 200) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} not ready within 60 s`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

export async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

export function machine(): Record<string, unknown> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage1m: loadavg()[0],
    node: process.version,
  };
}

/**
 * Nearest-rank percentile of values sorted in ascending order, `p` from 0 to 1: the smallest value
 * that at least that share of the values does not exceed. NaN when there are no values.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

/** Prints rows as an aligned table. */
export function printTable(title: string, rows: readonly Record<string, string | number>[]): void {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => String(row[column]).length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(' | ')} |`;
  process.stdout.write(`\n${title}\n${line(columns)}\n|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((column) => String(row[column])))}\n`);
}

export function writeResult(name: string, result: unknown): string {
  const folder = resolve(process.cwd(), 'bench/results');
  mkdirSync(folder, { recursive: true });
  const file = resolve(folder, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
