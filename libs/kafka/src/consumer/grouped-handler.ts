import type { EventSink } from '../event-publisher.js';
import type { KafkaEvent } from '../kafka-event.js';
import type { HandlerCall } from './handler-call.js';

interface Member {
  readonly events: readonly KafkaEvent[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One call of a batch handler for the partition batches of one poll. kafkajs hands the batches of
 * a fetch to the transport concurrently, one per partition; those that come together (in the same
 * turn of the event loop, or while a call is running) are given to the handler as one batch, so a
 * handler that writes PostgreSQL writes one statement per poll, not one per partition. When the
 * common call fails, each batch is tried on its own, so that a failure is reported only to the
 * batch that caused it (which then isolates its bad records itself).
 */
export class GroupedHandler {
  private pending: Member[] = [];
  private running = false;
  private scheduled = false;

  constructor(
    private readonly call: HandlerCall,
    private readonly sink: EventSink,
  ) {}

  handle(events: readonly KafkaEvent[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ events, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // Lets the other partition batches of the same fetch, started in this turn, join.
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running || this.pending.length === 0) return;
    const group = this.pending;
    this.pending = [];
    this.running = true;
    try {
      await this.settle(group);
    } finally {
      this.running = false;
      if (this.pending.length > 0) this.schedule();
    }
  }

  private async settle(group: readonly Member[]): Promise<void> {
    if (group.length > 1) {
      try {
        await this.call(
          group.flatMap((member) => member.events),
          this.sink,
        );
        for (const member of group) member.resolve();
        return;
      } catch {
        // Each batch on its own below.
      }
    }
    for (const member of group) {
      try {
        await this.call([...member.events], this.sink);
        member.resolve();
      } catch (error) {
        member.reject(error);
      }
    }
  }
}
