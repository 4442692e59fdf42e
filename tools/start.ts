import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  describeError,
  ensureInfrastructure,
  InfraError,
  stopInfrastructure,
  type Infrastructure,
} from './infra/index.js';
import { repoRoot } from './infra/layout.js';

interface ServiceSpec {
  readonly name: 'intake' | 'routing' | 'notification' | 'history' | 'desk';
  readonly portVariable: 'INTAKE_PORT' | 'ROUTING_PORT' | 'NOTIFICATION_PORT' | 'HISTORY_PORT' | 'DESK_PORT';
  readonly defaultPort: number;
  /** ANSI SGR colour code of the output tag. */
  readonly colour: number;
  /** Node options of this service's process. */
  readonly nodeOptions?: readonly string[];
}

const SERVICES: readonly ServiceSpec[] = [
  { name: 'intake', portVariable: 'INTAKE_PORT', defaultPort: 3001, colour: 36 },
  { name: 'routing', portVariable: 'ROUTING_PORT', defaultPort: 3002, colour: 35 },
  { name: 'notification', portVariable: 'NOTIFICATION_PORT', defaultPort: 3003, colour: 33 },
  // A larger young generation: history allocates per event (validation, sealing) and spends ~10% less in GC.
  {
    name: 'history',
    portVariable: 'HISTORY_PORT',
    defaultPort: 3004,
    colour: 32,
    nodeOptions: ['--max-semi-space-size=64'],
  },
  { name: 'desk', portVariable: 'DESK_PORT', defaultPort: 3005, colour: 31 },
];

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 30_000;

const colours =
  process.env['NO_COLOR'] === undefined && (process.stdout.isTTY || process.env['FORCE_COLOR'] !== undefined);
const TAG_WIDTH = Math.max(...SERVICES.map((service) => service.name.length), 'start'.length) + 2;

function tag(name: string, colour: number): string {
  const text = `[${name}]`.padEnd(TAG_WIDTH);
  return colours ? `\u001b[${colour}m${text}\u001b[0m` : text;
}

function say(name: 'start' | 'infra', line: string): void {
  process.stdout.write(`${tag(name, name === 'start' ? 1 : 34)} ${line}\n`);
}

interface RunningService {
  readonly spec: ServiceSpec;
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  running: boolean;
}

function portOf(spec: ServiceSpec): number {
  const raw = process.env[spec.portVariable];
  if (raw === undefined || raw.trim() === '') return spec.defaultPort;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InfraError(`${spec.portVariable} must be a TCP port, got '${raw}'`);
  }
  return port;
}

function pipeLines(stream: NodeJS.ReadableStream | null, prefix: string, target: NodeJS.WriteStream): void {
  if (!stream) return;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    target.write(`${prefix} ${line}\n`);
  });
}

async function isReady(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const root = repoRoot();
  const services = SERVICES.map((spec) => ({
    spec,
    port: portOf(spec),
    entry: join(root, 'dist', 'apps', spec.name, 'src', 'main.js'),
  }));
  const notBuilt = services.filter((service) => !existsSync(service.entry));
  if (notBuilt.length > 0) {
    throw new InfraError(
      `start: ${notBuilt.map((service) => service.entry).join(', ')} missing: the services are not built (npm start builds them; check the build output)`,
    );
  }

  const running: RunningService[] = [];
  let shuttingDown = false;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const requestStop = (code: number): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    finish(code);
  };

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      say('start', `${signal}: stopping the services, then the infrastructure this command started`);
      requestStop(0);
      return;
    }
    say('start', `${signal} again: killing the services now`);
    for (const service of running) if (service.running) service.child.kill('SIGKILL');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Last resort if this process dies abruptly: never leave orphaned services behind.
  process.on('exit', () => {
    for (const service of running) if (service.running) service.child.kill('SIGKILL');
  });

  let infra: Infrastructure | undefined;
  let exitCode = 0;
  try {
    infra = await ensureInfrastructure({ profile: 'dev', log: (line) => say('infra', line) });
    const portEnv = Object.fromEntries(services.map((service) => [service.spec.portVariable, String(service.port)]));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...portEnv,
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      DATABASE_URL: infra.databaseUrl,
      ...(colours ? { FORCE_COLOR: '1' } : {}),
    };

    if (!shuttingDown) {
      for (const { spec, port, entry } of services) {
        // Own process group: a terminal Ctrl-C reaches only this supervisor, which then sends each
        // service exactly one SIGTERM (a second signal would cut a graceful shutdown short).
        const child = spawn(process.execPath, [...(spec.nodeOptions ?? []), entry], {
          cwd: root,
          env,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const prefix = tag(spec.name, spec.colour);
        pipeLines(child.stdout, prefix, process.stdout);
        pipeLines(child.stderr, prefix, process.stderr);
        let markExited: () => void = () => undefined;
        const exited = new Promise<void>((resolve) => {
          markExited = resolve;
        });
        const service: RunningService = { spec, port, child, exited, running: true };
        child.on('error', (error) => {
          say('start', `${spec.name}: ${error.message}`);
        });
        child.on('exit', (code, signal) => {
          service.running = false;
          markExited();
          if (!shuttingDown) {
            say('start', `${spec.name} exited unexpectedly (${signal ?? `code ${code ?? '?'}`}); stopping everything`);
            requestStop(1);
          }
        });
        running.push(service);
      }
      void waitUntilReady(running, () => shuttingDown).then((notReady) => {
        if (shuttingDown) return;
        if (notReady.length > 0) {
          say(
            'start',
            `not ready after ${READY_TIMEOUT_MS / 1000} s: ${notReady.join(', ')} (GET /health/ready did not return 200); stopping everything`,
          );
          requestStop(1);
          return;
        }
        say('start', 'all services ready:');
        for (const service of running) {
          say(
            'start',
            `  ${service.spec.name.padEnd(TAG_WIDTH)} http://127.0.0.1:${service.port}  (OpenAPI: http://127.0.0.1:${service.port}/docs)`,
          );
        }
        say('start', 'press Ctrl-C to stop');
      });
    }
    exitCode = await finished;
  } catch (error) {
    say('start', describeError(error));
    if (error instanceof InfraError && error.details) process.stderr.write(`${error.details}\n`);
    exitCode = 1;
    shuttingDown = true;
  }

  await stopServices(running);
  if (infra && infra.startedNow.length > 0) {
    try {
      const stopped = await stopInfrastructure({
        profile: 'dev',
        only: infra.startedNow,
        log: (line) => say('infra', line),
      });
      say('start', `stopped ${stopped.join(', ')}`);
    } catch (error) {
      say('start', `could not stop the infrastructure: ${describeError(error)} (try: npm run infra:down)`);
      exitCode = exitCode === 0 ? 1 : exitCode;
    }
  } else if (infra) {
    say('start', 'the infrastructure was already running before this command: left running');
  }
  return exitCode;
}

/** Names of the services that did not answer 200 on /health/ready in time (empty: all ready). */
async function waitUntilReady(services: readonly RunningService[], stopping: () => boolean): Promise<string[]> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const pending = new Set(services);
  while (pending.size > 0 && Date.now() < deadline && !stopping()) {
    for (const service of [...pending]) {
      if (await isReady(service.port)) pending.delete(service);
    }
    if (pending.size > 0) await sleep(500);
  }
  return [...pending].map((service) => service.spec.name);
}

async function stopServices(services: readonly RunningService[]): Promise<void> {
  const alive = services.filter((service) => service.running);
  for (const service of alive) service.child.kill('SIGTERM');
  await Promise.all(
    alive.map(async (service) => {
      const timer = sleep(STOP_GRACE_MS).then(() => 'timeout' as const);
      if (
        (await Promise.race([service.exited.then(() => 'exited' as const), timer])) === 'timeout' &&
        service.running
      ) {
        say('start', `${service.spec.name} did not stop within ${STOP_GRACE_MS / 1000} s: killing it`);
        service.child.kill('SIGKILL');
        await service.exited;
      }
    }),
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say('start', describeError(error));
    process.exit(1);
  },
);
