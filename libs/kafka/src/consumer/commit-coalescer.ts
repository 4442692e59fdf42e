import type { Consumer } from 'kafkajs';

interface PendingCommit {
  readonly offsets: Map<string, { topic: string; partition: number; offset: string }>;
  readonly waiters: { readonly resolve: () => void; readonly reject: (error: unknown) => void }[];
}

/**
 * One OffsetCommit request for the partition batches of one poll: commits asked for together (in
 * the same turn of the event loop, or while a commit is under way) go out as one request. The
 * broker's cost is per request, not per partition. A failed request fails every caller that shared
 * it, as each one's own request would have.
 */
export class CommitCoalescer {
  private next: PendingCommit | undefined;
  private inFlight = false;
  private scheduled = false;

  constructor(private readonly consumer: () => Consumer | undefined) {}

  /** Commits `nextOffset` (the next record to read) of the partition. */
  commit(topic: string, partition: number, nextOffset: string): Promise<void> {
    const pending: PendingCommit = (this.next ??= { offsets: new Map(), waiters: [] });
    const key = `${topic}|${partition}`;
    const current = pending.offsets.get(key);
    if (!current || BigInt(nextOffset) > BigInt(current.offset))
      pending.offsets.set(key, { topic, partition, offset: nextOffset });
    return new Promise<void>((resolve, reject) => {
      pending.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.next;
    if (this.inFlight || !batch) return;
    this.next = undefined;
    this.inFlight = true;
    try {
      const consumer = this.consumer();
      if (consumer) await consumer.commitOffsets([...batch.offsets.values()]);
      for (const waiter of batch.waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of batch.waiters) waiter.reject(error);
    } finally {
      this.inFlight = false;
      if (this.next) this.schedule();
    }
  }
}
