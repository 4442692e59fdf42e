import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

type InfraModule = typeof import('../../tools/infra/index.js');

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

/** Stops what the global setup started, and only that; KEEP_INFRA=1 leaves it running for the next run. */
export default async function globalTeardown(globalConfig?: { rootDir?: string }): Promise<void> {
  const infra = await loadInfra(globalConfig?.rootDir ?? process.cwd());
  const markerFile = join(infra.profilePaths('test').root, `jest-started-${process.pid}.json`);
  const started = startedBySetup(markerFile);
  rmSync(markerFile, { force: true });
  if (started.length === 0) return;
  if (process.env['KEEP_INFRA'] === '1') {
    log(`KEEP_INFRA=1: leaving ${started.join(' and ')} running (stop with: npm run infra:down)`);
    return;
  }
  const stopped = await infra.stopInfrastructure({ profile: 'test', only: started, log });
  log(`stopped ${stopped.join(', ') || 'nothing'}`);
}
