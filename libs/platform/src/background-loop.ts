import { Logger } from '@nestjs/common';
import { messageOf } from '#kafka';

/**
 * Runs a step again and again: at once while it reports more work, otherwise after the idle
 * interval or as soon as someone calls wake(). A failing step is logged and retried with a
 * growing pause, so a database outage neither spins nor kills the loop.
 */
export class BackgroundLoop {
  private readonly logger: Logger;
  private running = false;
  private wakeRequested = false;
  private interrupt: (() => void) | undefined;
  private finished: Promise<void> | undefined;
  private failures = 0;

  constructor(
    readonly name: string,
    private readonly step: () => Promise<boolean>,
    private readonly idleMs: number,
  ) {
    this.logger = new Logger(name);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.finished = this.run();
  }

  wake(): void {
    this.wakeRequested = true;
    this.interrupt?.();
  }

  /** Resolves once the step in progress, if any, has finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.interrupt?.();
    await this.finished;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let more: boolean;
      try {
        this.wakeRequested = false;
        more = await this.step();
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        const pauseMs = Math.min(30_000, this.idleMs * 2 ** Math.min(this.failures, 10));
        this.logger.warn(
          `${this.name} failed (${this.failures} in a row), next try in ${pauseMs} ms: ${messageOf(error)}`,
        );
        await this.pause(pauseMs);
        continue;
      }
      if (!more && !this.wakeRequested) await this.pause(this.idleMs);
    }
  }

  private pause(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interrupt = done;
    });
  }
}
