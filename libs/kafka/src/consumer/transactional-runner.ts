import { Logger } from '@nestjs/common';
import type { EachBatchPayload } from 'kafkajs';
import type { DeadLetter } from '../dead-letter.js';
import { errorCodeOf, messageOf } from '../kafka.errors.js';
import { kafkaMetrics } from '../kafka.metrics.js';
import { TransactionScope } from '../transaction-scope.js';
import type { TransactionalProducers } from '../transactional-producers.js';
import { WHOLE_SLICE_ATTEMPTS } from './attempt-policy.js';
import type { AttemptOutcome } from './attempt-policy.js';
import { isolateFailures } from './failure-isolation.js';
import type { DecodedRecord } from './record-decoder.js';
import { eventsOf, slicesOf, unreadableError } from './runner.js';
import type { BatchRunner, Route, RunnerContext } from './runner.js';

/**
 * Consume-transform-produce with exactly-once outputs: one Kafka transaction per fetched partition
 * batch holds what the handler published for each record, the batch's dead letters and the offset
 * after the last record handled (see TransactionalProducers for the fencing). Failures are isolated
 * as in the plain runner before the transaction is written, so a poison record is parked while the
 * others' outputs commit. A transaction that fails leaves nothing visible and the offset where it
 * was: the error goes back to kafkajs, which fetches the batch again. On shutdown, the records
 * handled so far are committed and the rest left for the next owner.
 */
export class TransactionalRunner implements BatchRunner {
  private readonly log = new Logger(TransactionalRunner.name);

  constructor(
    private readonly context: RunnerContext,
    private readonly transactions: TransactionalProducers,
    private readonly source: string,
  ) {}

  async run(payload: EachBatchPayload, route: Route): Promise<void> {
    const { topic, partition } = payload.batch;
    try {
      await this.runTransaction(payload, route);
    } catch (error) {
      this.log.warn(
        `${topic}[${partition}]: ${errorCodeOf(error)}: ${messageOf(error)}; the batch will be fetched again`,
      );
      throw error;
    }
  }

  private async runTransaction(payload: EachBatchPayload, route: Route): Promise<void> {
    const { topic, partition } = payload.batch;
    const { policy, deadLetters, groupId, sliceRecords } = this.context;
    const heartbeat = (): Promise<void> => payload.heartbeat();
    let messages = payload.batch.messages;
    const committed = await this.transactions.prepare(topic, partition);
    if (committed !== undefined) {
      const done = messages.filter((message) => BigInt(message.offset) < committed);
      const last = done[done.length - 1];
      if (last) {
        // Committed by a previous owner whose transaction completed after this consumer read its position.
        this.log.warn(
          `${topic}[${partition}]: skipping ${done.length} record(s) below the committed offset ${committed}`,
        );
        payload.resolveOffset(last.offset);
        messages = messages.slice(done.length);
      }
    }
    if (messages.length === 0) return;

    const staged = new TransactionScope(this.source);
    const parked: DeadLetter[] = [];
    let handled = 0;
    let lastOffset: string | undefined;
    /** The work of an attempt stages into a scope of its own, adopted only if it succeeds. */
    const attempt = (work: (scope: TransactionScope) => Promise<void>, attempts?: number): Promise<AttemptOutcome> => {
      const scope = new TransactionScope(this.source);
      return policy
        .attempt(
          topic,
          async () => {
            scope.clear();
            await work(scope);
          },
          heartbeat,
          attempts,
        )
        .then((outcome) => {
          if (outcome.kind === 'ok') staged.adopt(scope);
          return outcome;
        });
    };
    const tryOne = (record: DecodedRecord): Promise<AttemptOutcome> => {
      const unreadable = unreadableError(record);
      if (unreadable || !('event' in record))
        return Promise.resolve({ kind: 'failed', error: unreadable, attempts: 1 });
      return attempt((scope) => route.call(route.options.batch ? [record.event] : record.event, scope));
    };
    for (const slice of slicesOf(messages, sliceRecords, topic, partition, route.options)) {
      if (!payload.isRunning() || payload.isStale()) break;
      const events = eventsOf(slice);
      const whole =
        route.options.batch && events.length > 0
          ? {
              attempt: () => attempt((scope) => route.call(events, scope), WHOLE_SLICE_ATTEMPTS),
              excluded: (record: DecodedRecord) => {
                const error = unreadableError(record);
                return error ? { error } : undefined;
              },
            }
          : undefined;
      const result = await isolateFailures(`${topic}[${partition}]`, slice, tryOne, whole);
      for (const outcome of result.outcomes) {
        if (outcome.handled) handled += 1;
        else {
          const dead = deadLetters.letterOf(topic, partition, outcome.record.message, outcome.error, outcome.attempts);
          staged.stageRaw(dead.topic, dead.record);
          parked.push(dead);
        }
        lastOffset = outcome.record.message.offset;
      }
      if (result.interrupted) break;
      await heartbeat();
    }
    if (lastOffset === undefined) return;

    await this.transactions.commit(topic, partition, staged.records, (BigInt(lastOffset) + 1n).toString());
    payload.resolveOffset(lastOffset);
    if (handled > 0) kafkaMetrics.consumed.inc({ topic, group: groupId }, handled);
    for (const dead of parked) deadLetters.written(dead);
  }
}
