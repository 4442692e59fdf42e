import { Injectable, Logger } from '@nestjs/common';
import { BackgroundLoop, Clock, OutboxRelay } from '#platform';
import { NotificationConfig } from '../notification.config.js';
import { DeliveryRepository } from './delivery.repository.js';
import type { AttemptRecord, ClaimedDelivery } from './delivery.repository.js';
import { NotificationSender } from './notification-sender.js';
import type { SendResult } from './notification-sender.js';
import { notificationOutcomes } from './notification.metrics.js';
import { outcomeEvent } from './outcome-event.js';
import { nextStep } from './retry-policy.js';
import type { RetryPolicy } from './retry-policy.js';
import { messageOf } from '#kafka';

const CLAIM_BATCH = 200;
const SETTLE_BATCH = 500;
/** Outcomes are gathered up to this long (or this many) before a settlement, so one statement settles many. */
const SETTLE_LINGER_MS = 50;
const SETTLE_EARLY_AT = 200;
/** Deliveries a receiver may have claimed per slot (running or waiting), before the rest go back to the table. */
const HELD_PER_SLOT = 5;

interface HeldDelivery {
  readonly delivery: ClaimedDelivery;
  readonly receiver: string;
}

/**
 * Sends due deliveries from the database, up to NOTIFY_CONCURRENCY at once and
 * NOTIFY_TARGET_CONCURRENCY per receiver, each attempt bounded by NOTIFY_ATTEMPT_TIMEOUT_MS: a
 * slow or dead receiver holds a few slots for one timeout, never the Kafka consumer nor the other
 * receivers' notifications. Deliveries are claimed in batches ahead of the free slots and their
 * outcomes settled in batches (group commit), so the database sees a few statements per hundred.
 */
@Injectable()
export class DeliveryWorker {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly loop: BackgroundLoop;
  private readonly policy: RetryPolicy;
  private readonly concurrency: number;
  private readonly receiverConcurrency: number;
  /** Claimed and not settled (waiting or running) at most. */
  private readonly capacity: number;
  private readonly releaseDelayMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly leaseMs: number;
  /** Claimed, waiting for a slot, most urgent first. */
  private ready: HeldDelivery[] = [];
  private readonly running = new Map<string, number>();
  private inFlight = 0;
  private stopping = false;
  private unsettled: AttemptRecord[] = [];
  private settling: Promise<void> | undefined;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly sender: NotificationSender,
    private readonly clock: Clock,
    private readonly relay: OutboxRelay,
    config: NotificationConfig,
  ) {
    this.policy = {
      maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
      baseDelayMs: config.NOTIFY_RETRY_BASE_MS,
      maxDelayMs: config.NOTIFY_RETRY_MAX_MS,
    };
    this.concurrency = config.NOTIFY_CONCURRENCY;
    this.receiverConcurrency = config.NOTIFY_TARGET_CONCURRENCY;
    this.capacity = Math.max(CLAIM_BATCH, 2 * config.NOTIFY_CONCURRENCY);
    this.releaseDelayMs = config.NOTIFY_POLL_INTERVAL_MS;
    this.attemptTimeoutMs = config.NOTIFY_ATTEMPT_TIMEOUT_MS;
    // Long enough to cover the wait behind a busy receiver, the attempt and its settlement;
    // after it, another instance may take the delivery over (when this one died).
    this.leaseMs = HELD_PER_SLOT * config.NOTIFY_ATTEMPT_TIMEOUT_MS + 30_000;
    this.loop = new BackgroundLoop(DeliveryWorker.name, () => this.claimOnce(), config.NOTIFY_POLL_INTERVAL_MS);
  }

  start(): void {
    this.stopping = false;
    this.loop.start();
  }

  /** New work was recorded: look for due deliveries now. */
  wake(): void {
    this.loop.wake();
  }

  /** Stops claiming, gives back what has not started, lets the attempts in flight finish and settles them. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop.stop();
    const notStarted = this.ready.splice(0).map((held) => held.delivery);
    await this.deliveries.release(notStarted, this.clock.now()).catch(() => undefined);
    const deadline = Date.now() + this.attemptTimeoutMs + 2_000;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    for (let round = 0; round < 3 && (this.unsettled.length > 0 || this.settling); round += 1) await this.settle();
  }

  /** True when the claim was full: more may be due right away. */
  private async claimOnce(): Promise<boolean> {
    const held = this.ready.length + this.inFlight;
    // Claim in batches: when the waiting line runs short, not for every freed slot.
    if (this.ready.length > 0 && held > this.capacity / 2) return false;
    const wanted = Math.min(CLAIM_BATCH, this.capacity - held);
    if (wanted <= 0) return false;
    const now = this.clock.now();
    const claimed = await this.deliveries.claimDue(now, new Date(now.getTime() + this.leaseMs), wanted);
    const heldPerReceiver = new Map<string, number>();
    for (const { receiver } of this.ready) heldPerReceiver.set(receiver, (heldPerReceiver.get(receiver) ?? 0) + 1);
    const overflow: ClaimedDelivery[] = [];
    for (const delivery of claimed) {
      const receiver = this.sender.receiverOf(delivery);
      const count = (heldPerReceiver.get(receiver) ?? 0) + (this.running.get(receiver) ?? 0);
      if (count >= this.receiverConcurrency * HELD_PER_SLOT) {
        overflow.push(delivery);
        continue;
      }
      heldPerReceiver.set(receiver, (heldPerReceiver.get(receiver) ?? 0) + 1);
      this.ready.push({ delivery, receiver });
    }
    // Alerts first; otherwise in the order they became due (sort is stable).
    this.ready.sort((left, right) => left.delivery.urgency - right.delivery.urgency);
    this.dispatch();
    // A receiver holding its share already: the rest go back to the table for a moment.
    await this.deliveries.release(overflow, new Date(now.getTime() + this.releaseDelayMs));
    return claimed.length === wanted;
  }

  /** Starts waiting deliveries while slots are free, skipping those whose receiver is at its limit. */
  private dispatch(): void {
    if (this.stopping) return;
    for (let index = 0; index < this.ready.length && this.inFlight < this.concurrency;) {
      const held = this.ready[index];
      if (!held || (this.running.get(held.receiver) ?? 0) >= this.receiverConcurrency) {
        index += 1;
        continue;
      }
      this.ready.splice(index, 1);
      this.run(held);
    }
  }

  private run({ delivery, receiver }: HeldDelivery): void {
    this.running.set(receiver, (this.running.get(receiver) ?? 0) + 1);
    this.inFlight += 1;
    void this.attempt(delivery)
      // Unsettled, the delivery is retried when its lease ends.
      .catch((error: unknown) =>
        this.logger.error(`attempt of ${delivery.notificationId} not recorded: ${messageOf(error)}`),
      )
      .finally(() => {
        const left = (this.running.get(receiver) ?? 1) - 1;
        if (left > 0) this.running.set(receiver, left);
        else this.running.delete(receiver);
        this.inFlight -= 1;
        this.dispatch();
        if (this.ready.length + this.inFlight <= this.capacity / 2) this.loop.wake();
      });
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    // A timer cleared on completion (AbortSignal.timeout would keep one alive per attempt until it fires).
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.attemptTimeoutMs);
    let sent: SendResult;
    try {
      sent = await this.sender.attempt(delivery, timeout.signal);
    } finally {
      clearTimeout(timer);
    }
    const { channel, result, mailMessageId } = sent;
    const now = this.clock.now();
    const step = nextStep(result, delivery.attempt, this.policy);
    if (step.state === 'failed') {
      this.logger.warn({
        msg: 'notification failed for good',
        notificationId: delivery.notificationId,
        ticketId: delivery.ticketId,
        audience: delivery.audience,
        channel,
        attempts: delivery.attempt,
        error: step.error,
      });
    } else if (step.state === 'pending') {
      this.logger.debug({
        msg: 'notification attempt failed',
        notificationId: delivery.notificationId,
        attempt: delivery.attempt,
        error: step.error,
      });
    }
    this.unsettled.push({
      notificationId: delivery.notificationId,
      ticketId: delivery.ticketId,
      audience: delivery.audience,
      attempt: delivery.attempt,
      state: step.state,
      nextAttemptAt: step.retryInMs === null ? null : new Date(now.getTime() + step.retryInMs),
      channel,
      error: step.error,
      mailMessageId: mailMessageId ?? null,
      event: outcomeEvent(delivery, step.outcome, channel, step.error, now),
    });
    notificationOutcomes.inc({ audience: delivery.audience, channel, outcome: step.outcome });
    void this.settle();
  }

  /** One settlement at a time; whatever arrives meanwhile goes into the next one. */
  private settle(): Promise<void> {
    this.settling ??= this.settleAll().finally(() => {
      this.settling = undefined;
      // An outcome that arrived as the previous settlement was finishing.
      if (this.unsettled.length > 0) void this.settle();
    });
    return this.settling;
  }

  private async settleAll(): Promise<void> {
    let failures = 0;
    for (
      let waited = 0;
      waited < SETTLE_LINGER_MS && !this.stopping && this.unsettled.length < SETTLE_EARLY_AT;
      waited += 5
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    while (this.unsettled.length > 0) {
      const batch = this.unsettled.slice(0, SETTLE_BATCH);
      try {
        await this.deliveries.complete(batch, this.clock.now());
        this.unsettled.splice(0, batch.length);
        failures = 0;
        this.relay.wake();
      } catch (error) {
        failures += 1;
        this.logger.warn(`cannot record ${batch.length} delivery outcome(s) (try ${failures}): ${messageOf(error)}`);
        // Unrecorded attempts are retried once their lease ends; receivers deduplicate on the id.
        if (failures >= 5) {
          this.unsettled.splice(0, batch.length);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** failures));
      }
    }
  }
}
