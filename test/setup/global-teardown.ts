import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// Type-only: erased at compile time, so it never reaches the runtime loader (see loadInfra).
import type * as Infra from '../../tools/infra/index.js';

type InfraModule = typeof Infra;

const log = (line: string): void => {
  process.stderr.write(`[infra] ${line}\n`);
};

/** Same reason as in global-setup.ts: jest loads this file without moduleNameMapper. */
async function loadInfra(rootDir: string): Promise<InfraModule> {
  const file = resolve(rootDir, 'dist', 'tools', 'infra', 'index.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first (npm test does)`);
  return (await import(file)) as InfraModule;
}

function startedBySetup(markerFile: string): string[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(markerFile, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'startedNow' in parsed && Array.isArray(parsed.startedNow)) {
      return parsed.startedNow.filter((entry): entry is string => typeof entry === 'string');
    }
  } catch {
    // No marker: the setup started nothing, or never ran.
  }
  return [];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

/** The marker of another jest run that is still going and therefore still uses the test broker. */
function otherLiveRun(markerDir: string): string | undefined {
  let files: string[];
  try {
    files = readdirSync(markerDir);
  } catch {
    return undefined;
  }
  for (const file of files) {
    const pid = Number(/^jest-started-(\d+)\.json$/.exec(file)?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) return join(markerDir, file);
  }
  return undefined;
}

/**
 * Stops what the global setup started, and only that; KEEP_INFRA=1 leaves it running for the next
 * run. While another jest run still uses it, ownership is handed to that run instead.
 */
export default async function globalTeardown(globalConfig?: { rootDir?: string }): Promise<void> {
  if (onlyUnitTests()) return;
  const infra = await loadInfra(globalConfig?.rootDir ?? process.cwd());
  const markerDir = infra.profilePaths('test').root;
  const markerFile = join(markerDir, `jest-started-${process.pid}.json`);
  const started = startedBySetup(markerFile);
  rmSync(markerFile, { force: true });
  if (started.length === 0) return;
  if (process.env['KEEP_INFRA'] === '1') {
    log(`KEEP_INFRA=1: leaving ${started.join(' and ')} running (stop with: npm run infra:down)`);
    return;
  }
  const other = otherLiveRun(markerDir);
  if (other) {
    const merged = [...new Set([...startedBySetup(other), ...started])];
    writeFileSync(other, `${JSON.stringify({ startedNow: merged })}\n`);
    log(`another jest run still uses ${started.join(' and ')}: it will stop them when it ends`);
    return;
  }
  const stopped = await infra.stopInfrastructure({ profile: 'test', only: started, log });
  log(`stopped ${stopped.join(', ') || 'nothing'}`);
}

/** Same test as in global-setup.ts (jest loads these files without moduleNameMapper, so no import). */
function onlyUnitTests(argv: readonly string[] = process.argv): boolean {
  const at = argv.indexOf('--selectProjects');
  if (at < 0) return false;
  const selected: string[] = [];
  for (const value of argv.slice(at + 1)) {
    if (value.startsWith('-')) break;
    selected.push(value);
  }
  return selected.length > 0 && selected.every((name) => name === 'unit');
}
