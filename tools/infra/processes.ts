import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CommandResult {
  /** null when the command could not be started or was killed by the timeout. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly missing: boolean;
}

export function runCommand(
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; cwd?: string; stdoutFd?: number },
): CommandResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    timeout: options.timeoutMs,
    encoding: 'utf8',
    stdio: options.stdoutFd === undefined ? 'pipe' : ['ignore', options.stdoutFd, options.stdoutFd],
    killSignal: 'SIGKILL',
  });
  const errorCode = result.error && 'code' in result.error ? result.error.code : undefined;
  return {
    status: result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    missing: errorCode === 'ENOENT',
  };
}

function procFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EPERM') return true;
    return false;
  }
  // A zombie answers signal 0 but is gone for every practical purpose.
  const stat = procFile(pid, 'stat');
  if (stat !== undefined) {
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  }
  return true;
}

/** Alive and still the program we started (pids are recycled after a reboot or a long time). */
export function isOwnedProcessRunning(pid: number, commandMatch: string): boolean {
  if (!isAlive(pid)) return false;
  const commandLine = procFile(pid, 'cmdline');
  if (commandLine === undefined) return true;
  return commandLine.split('\0').join(' ').includes(commandMatch);
}

/** Signals, waits up to `graceMs`, then SIGKILLs. True when the process is gone. */
export async function stopProcess(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch {
    return !isAlive(pid);
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(200);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return !isAlive(pid);
  }
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return false;
}

export function tailFile(file: string, lines: number): string {
  try {
    const all = readFileSync(file, 'utf8').split('\n');
    return all.slice(Math.max(0, all.length - lines - 1)).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/**
 * A per-profile lock (mkdir is atomic) so two commands never start the same broker twice.
 * A lock whose owner died is taken over.
 */
export async function withLock<T>(lockDir: string, waitMs: number, work: () => Promise<T>): Promise<T> {
  const ownerFile = join(lockDir, 'pid');
  const deadline = Date.now() + waitMs;
  mkdirSync(dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(ownerFile, String(process.pid));
      break;
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
    if (isStaleLock(lockDir, ownerFile)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`infrastructure is locked by another command (${lockDir}); wait for it, or remove that folder`);
    }
    await sleep(250);
  }
  try {
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function isStaleLock(lockDir: string, ownerFile: string): boolean {
  let owner = Number.NaN;
  try {
    owner = Number.parseInt(readFileSync(ownerFile, 'utf8').trim(), 10);
  } catch {
    // The owner may be between mkdir and writing its pid: only a lock older than a few seconds is stale.
  }
  if (Number.isInteger(owner)) return owner !== process.pid && !isAlive(owner);
  try {
    return Date.now() - statSync(lockDir).mtimeMs > 5_000;
  } catch {
    return true;
  }
}

/** Linux only: the pid of a running process whose command line contains `match`. */
export function findProcessByCommand(match: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number.parseInt(entry, 10);
    if (pid === process.pid) continue;
    const commandLine = procFile(pid, 'cmdline');
    if (commandLine?.split('\0').join(' ').includes(match) && isAlive(pid)) return pid;
  }
  return undefined;
}
