import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { eventually } from './eventually.js';

const run = promisify(execFile);

export type PostgresRestart =
  | { readonly restarted: true; readonly how: string; readonly tookMs: number }
  | { readonly restarted: false; readonly why: string };

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const PG_CTLCLUSTER = '/usr/bin/pg_ctlcluster';

/**
 * Whether `restartPostgres` has a way to restart the server here: a command in
 * `TEST_PG_RESTART_COMMAND`, or Debian's pg_ctlcluster run as root. Decided without I/O to the
 * server, so that a test can be registered or skipped with it.
 */
export function canRestartPostgres(): boolean {
  return Boolean(process.env.TEST_PG_RESTART_COMMAND) || (process.getuid?.() === 0 && existsSync(PG_CTLCLUSTER));
}

/**
 * Restarts the PostgreSQL server behind `databaseUrl` (fast shutdown: every session is cut), then
 * waits until it accepts connections again. `TEST_PG_RESTART_COMMAND` (a shell command) says how;
 * without it, a local Debian cluster on the URL's port is restarted with pg_ctlcluster when this
 * user may do so. Anything else is not restarted, and the reason is returned. `tookMs` runs from
 * the restart command to the first connection accepted again.
 */
export async function restartPostgres(databaseUrl: string): Promise<PostgresRestart> {
  const url = new URL(databaseUrl);
  const command = process.env.TEST_PG_RESTART_COMMAND;
  let restart: () => Promise<unknown>;
  let how: string;
  if (command) {
    how = command;
    restart = () => run('/bin/sh', ['-c', command], { timeout: 120_000 });
  } else {
    if (!LOCAL_HOSTS.has(url.hostname)) return { restarted: false, why: `${url.hostname} is not this machine` };
    const port = url.port || '5432';
    let clusters: string;
    try {
      clusters = (await run('pg_lsclusters', ['--no-header'])).stdout;
    } catch {
      return { restarted: false, why: 'no pg_lsclusters here (set TEST_PG_RESTART_COMMAND)' };
    }
    // "15  main    5432 online postgres /var/lib/postgresql/15/main ..."
    const cluster = clusters
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .find((fields) => fields[2] === port && fields[3]?.startsWith('online'));
    if (!cluster?.[0] || !cluster[1]) return { restarted: false, why: `no online cluster on port ${port}` };
    if (!canRestartPostgres())
      return { restarted: false, why: 'pg_ctlcluster needs root here (set TEST_PG_RESTART_COMMAND)' };
    const [version, name] = cluster;
    how = `pg_ctlcluster ${version} ${name} restart -m fast`;
    restart = () => run(PG_CTLCLUSTER, [version, name, 'restart', '-m', 'fast'], { timeout: 120_000 });
  }
  const started = Date.now();
  await restart();
  await eventually(
    async () => {
      const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined);
      await client.connect();
      await client.end();
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return { restarted: true, how, tookMs: Date.now() - started };
}
