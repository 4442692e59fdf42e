import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { ensureInfrastructure, stopInfrastructure } from '../tools/infra/index.js';

/** Kafka and PostgreSQL for a benchmark: the given ones, else the test profile (stopped afterwards). */
export async function benchInfrastructure(): Promise<{
  brokers: string;
  databaseUrl: string;
  release: () => Promise<void>;
}> {
  if (process.env.KAFKA_BROKERS && process.env.DATABASE_URL) {
    return {
      brokers: process.env.KAFKA_BROKERS,
      databaseUrl: process.env.DATABASE_URL,
      release: async () => undefined,
    };
  }
  const infra = await ensureInfrastructure({
    profile: 'test',
    log: (line) => process.stderr.write(`[infra] ${line}\n`),
  });
  return {
    brokers: infra.kafkaBrokers.join(','),
    databaseUrl: infra.databaseUrl,
    release: async () => {
      if (infra.startedNow.length > 0) await stopInfrastructure({ profile: 'test', only: infra.startedNow });
    },
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
