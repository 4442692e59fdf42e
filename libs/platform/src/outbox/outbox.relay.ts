import type { EventPublisher } from '#kafka';
import { childTraceparent } from '#kafka';
import { BackgroundLoop } from '../background-loop.js';
import type { OutboxRepository } from './outbox.repository.js';

const RELAY_BATCH = 500;
/** Events written meanwhile join the same produce request. */
const DEFAULT_LINGER_MS = 50;

/**
 * Moves outbox events to Kafka, as soon as they are written (`wake`) and again after any failure;
 * when nothing wakes it, it looks every `idleIntervalMs`.
 */
export class OutboxRelay {
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly publisher: EventPublisher,
    idleIntervalMs: number,
    /** How long a woken relay waits for more events to send with these (latency against requests). */
    lingerMs = DEFAULT_LINGER_MS,
  ) {
    this.loop = new BackgroundLoop(
      'OutboxRelay',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, lingerMs));
        return this.relayOnce();
      },
      idleIntervalMs,
    );
  }

  start(): void {
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Stops the loop, then relays what is left once (best effort: the rest waits for the next start). */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.relayOnce().catch(() => false);
  }

  /** True when a full batch went out (more may be waiting). */
  async relayOnce(): Promise<boolean> {
    const relayed = await this.outbox.relay(RELAY_BATCH, async (events) => {
      await this.publisher.publishAll(
        events.map((event) => ({
          topic: event.topic,
          event: {
            key: event.key,
            id: event.id,
            payload: event.payload,
            time: event.time,
            ...(event.correlationId === null ? {} : { correlationId: event.correlationId }),
            ...(event.causationId === null ? {} : { causationId: event.causationId }),
            // Published now, by this hop: a new span in the trace of the work that caused the event.
            ...(event.traceparent === null ? {} : { traceparent: childTraceparent(event.traceparent) }),
          },
        })),
      );
    });
    return relayed === RELAY_BATCH;
  }
}
