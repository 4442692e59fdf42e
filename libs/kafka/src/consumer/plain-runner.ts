import type { EachBatchPayload } from 'kafkajs';
import type { EventSink } from '../event-publisher.js';
import { kafkaMetrics } from '../kafka.metrics.js';
import { WHOLE_SLICE_ATTEMPTS } from './attempt-policy.js';
import type { AttemptOutcome } from './attempt-policy.js';
import type { CommitCoalescer } from './commit-coalescer.js';
import { isolateFailures } from './failure-isolation.js';
import type { DecodedRecord } from './record-decoder.js';
import { eventsOf, slicesOf, unreadableError } from './runner.js';
import type { BatchRunner, Route, RunnerContext } from './runner.js';

/**
 * Consumption with at-least-once delivery: the handler's durable writes complete, then the offset
 * is committed. Slice by slice: the slice's records are handled (a batch handler gets them at
 * once, with the other partitions of the same poll), the records that fail for good are written to
 * the dead-letter topic, then the offset after the slice is committed, in one request with the
 * other partitions' commits of the poll. On shutdown, what was handled is committed and the rest
 * left for the next owner.
 */
export class PlainRunner implements BatchRunner {
  constructor(
    private readonly context: RunnerContext,
    private readonly publisher: EventSink,
    private readonly commits: CommitCoalescer,
  ) {}

  async run(payload: EachBatchPayload, route: Route): Promise<void> {
    const { topic, partition, messages } = payload.batch;
    const { policy, deadLetters, groupId, sliceRecords } = this.context;
    const heartbeat = (): Promise<void> => payload.heartbeat();
    const label = `${topic}[${partition}]`;
    const tryOne = (record: DecodedRecord): Promise<AttemptOutcome> => {
      const unreadable = unreadableError(record);
      if (unreadable || !('event' in record))
        return Promise.resolve({ kind: 'failed', error: unreadable, attempts: 1 });
      return policy.attempt(
        topic,
        async () => {
          await route.call(route.options.batch ? [record.event] : record.event, this.publisher);
          await heartbeat();
        },
        heartbeat,
      );
    };
    for (const slice of slicesOf(messages, sliceRecords, topic, partition, route.options)) {
      if (!payload.isRunning() || payload.isStale()) return;
      const events = eventsOf(slice);
      const grouped = route.grouped;
      const whole =
        grouped && events.length > 0
          ? {
              attempt: () => policy.attempt(topic, () => grouped.handle(events), heartbeat, WHOLE_SLICE_ATTEMPTS),
              excluded: (record: DecodedRecord) => {
                const error = unreadableError(record);
                return error ? { error } : undefined;
              },
            }
          : undefined;
      const result = await isolateFailures(label, slice, tryOne, whole);
      let handled = 0;
      for (const outcome of result.outcomes) {
        if (outcome.handled) handled += 1;
        else
          await deadLetters.write(
            deadLetters.letterOf(topic, partition, outcome.record.message, outcome.error, outcome.attempts),
          );
      }
      if (handled > 0) kafkaMetrics.consumed.inc({ topic, group: groupId }, handled);
      const last = result.outcomes[result.outcomes.length - 1];
      if (last) {
        payload.resolveOffset(last.record.message.offset);
        await this.commits.commit(topic, partition, (BigInt(last.record.message.offset) + 1n).toString());
        await heartbeat();
      }
      if (result.interrupted) return;
    }
  }
}
