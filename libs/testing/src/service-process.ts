import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { eventually } from './eventually.js';
import { freePort } from './test-env.js';

export type ServiceName = 'intake' | 'routing' | 'notification' | 'history' | 'desk';

/**
 * One service running as its own process from the build output, as in production: e2e tests
 * start, stop and kill them for real.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private output: string[] = [];
  private logFile: WriteStream | undefined;
  port = 0;

  constructor(
    readonly name: ServiceName,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** False once the process has exited, whether stopped, killed or on its own. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get logs(): string {
    return this.output.join('');
  }

  async start(readyTimeoutMs = 60_000): Promise<this> {
    const entry = resolve(process.cwd(), `dist/apps/${this.name}/src/main.js`);
    if (!existsSync(entry)) throw new Error(`${entry} is missing: npm test builds first (npm run build)`);
    if (this.port === 0) this.port = await freePort();
    const child = spawn(process.execPath, [entry], {
      env: {
        ...process.env,
        ...this.env,
        [`${this.name.toUpperCase()}_PORT`]: String(this.port),
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env.TEST_SERVICE_LOG_LEVEL ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    // Every line also goes to a file, for post-mortems of a failed run.
    const logDir = resolve(process.cwd(), '.infra/test/logs');
    mkdirSync(logDir, { recursive: true });
    this.logFile ??= createWriteStream(resolve(logDir, `${this.name}-${process.pid}.log`), { flags: 'a' });
    const file = this.logFile;
    const keep = (chunk: Buffer): void => {
      file.write(chunk);
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 2_000) this.output = this.output.slice(-1_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await eventually(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`${this.name} exited with ${child.exitCode}:\n${this.logs.slice(-4_000)}`);
        const response = await fetch(`${this.url}/health/ready`);
        if (response.status !== 200) throw new Error(`${this.name} not ready: ${await response.text()}`);
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 200 },
    );
    return this;
  }

  /** Graceful stop (SIGTERM), waiting for the exit; SIGKILL if it has not exited after the grace period. */
  async stop(graceMs = 20_000): Promise<number | null> {
    const child = this.child;
    const timer = setTimeout(() => {
      this.output.push(`[test] ${this.name} did not stop within ${graceMs} ms: SIGKILL\n`);
      child?.kill('SIGKILL');
    }, graceMs);
    try {
      return await this.signal('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Abrupt death (SIGKILL): no shutdown hook runs. */
  async kill(): Promise<number | null> {
    return this.signal('SIGKILL');
  }

  private async signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    child.kill(signal);
    const code = await exited;
    this.child = undefined;
    return code;
  }
}
