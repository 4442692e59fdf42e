export type ConsumerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';

/** What the consumer transport tells the health endpoints about itself. */
export class ConsumerStatus {
  private current: ConsumerState = 'idle';
  private failure: string | undefined;

  get state(): ConsumerState {
    return this.current;
  }

  get lastFailure(): string | undefined {
    return this.failure;
  }

  set(state: ConsumerState, failure?: string): void {
    this.current = state;
    if (failure !== undefined) this.failure = failure;
  }

  /** Ready means consuming; a service without consumers never starts one and stays `idle`. */
  isReady(expectConsumer: boolean): boolean {
    return expectConsumer ? this.current === 'running' : this.current !== 'crashed';
  }
}
