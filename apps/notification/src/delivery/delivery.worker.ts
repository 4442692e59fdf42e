import { Injectable, Logger } from '@nestjs/common';
import { BackgroundLoop } from '../background-loop.js';
import { Clock } from '../clock.js';
import { NotificationConfig } from '../notification.config.js';
import { OutboxRelay } from '../outbox/outbox.relay.js';
import { DeliveryRepository } from './delivery.repository.js';
import type { AttemptRecord, ClaimedDelivery } from './delivery.repository.js';
import { NotificationSender } from './notification-sender.js';
import { outcomeEvent } from './outcome-event.js';
import { nextStep } from './retry-policy.js';
import type { RetryPolicy } from './retry-policy.js';

const CLAIM_BATCH = 200;
const SETTLE_BATCH = 500;
/** Deliveries kept waiting in memory per busy receiver slot, before the rest go back to the table. */
const WAITING_PER_SLOT = 4;

interface ReceiverSlots {
  running: number;
  readonly waiting: ClaimedDelivery[];
}

/**
 * Sends due deliveries from the database, up to NOTIFY_CONCURRENCY at once, each attempt bounded
 * by NOTIFY_ATTEMPT_TIMEOUT_MS: a slow or dead receiver holds one slot for one timeout, never the
 * Kafka consumer nor the other notifications. Outcomes are settled in batches (group commit).
 */
@Injectable()
export class DeliveryWorker {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly loop: BackgroundLoop;
  private readonly policy: RetryPolicy;
  private readonly concurrency: number;
  private readonly receiverConcurrency: number;
  private readonly releaseDelayMs: number;
  private readonly receivers = new Map<string, ReceiverSlots>();
  private stopping = false;
  private readonly attemptTimeoutMs: number;
  private readonly leaseMs: number;
  private inFlight = 0;
  private unsettled: AttemptRecord[] = [];
  private settling: Promise<void> | undefined;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly sender: NotificationSender,
    private readonly clock: Clock,
    private readonly relay: OutboxRelay,
    config: NotificationConfig,
  ) {
    this.policy = { maxAttempts: config.NOTIFY_MAX_ATTEMPTS, baseDelayMs: config.NOTIFY_RETRY_BASE_MS, maxDelayMs: config.NOTIFY_RETRY_MAX_MS };
    this.concurrency = config.NOTIFY_CONCURRENCY;
    this.receiverConcurrency = config.NOTIFY_TARGET_CONCURRENCY;
    this.releaseDelayMs = config.NOTIFY_POLL_INTERVAL_MS;
    this.attemptTimeoutMs = config.NOTIFY_ATTEMPT_TIMEOUT_MS;
    // Long enough to cover the wait behind a busy receiver, the attempt and its settlement;
    // after it, another instance may take the delivery over (when this one died).
    this.leaseMs = (WAITING_PER_SLOT + 1) * config.NOTIFY_ATTEMPT_TIMEOUT_MS + 30_000;
    this.loop = new BackgroundLoop(DeliveryWorker.name, () => this.claimOnce(), config.NOTIFY_POLL_INTERVAL_MS);
  }

  start(): void {
    this.loop.start();
  }

  /** New work was recorded (or a slot freed up): look for due deliveries now. */
  wake(): void {
    this.loop.wake();
  }

  /** Stops claiming, lets the attempts in flight finish and settles them. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop.stop();
    const waiting = [...this.receivers.values()].flatMap((receiver) => receiver.waiting.splice(0));
    await this.deliveries.release(waiting, this.clock.now()).catch(() => undefined);
    const deadline = Date.now() + this.attemptTimeoutMs + 2_000;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    for (let round = 0; round < 3 && (this.unsettled.length > 0 || this.settling); round += 1) await this.settle();
  }

  /** True when the claim was full: more may be due right away. */
  private async claimOnce(): Promise<boolean> {
    const wanted = Math.min(CLAIM_BATCH, this.concurrency - this.inFlight);
    if (wanted <= 0) return false;
    const now = this.clock.now();
    const claimed = await this.deliveries.claimDue(now, new Date(now.getTime() + this.leaseMs), wanted);
    const overflow: ClaimedDelivery[] = [];
    for (const delivery of claimed) {
      const key = this.sender.receiverOf(delivery);
      const receiver = this.receivers.get(key) ?? { running: 0, waiting: [] };
      this.receivers.set(key, receiver);
      if (receiver.running < this.receiverConcurrency) this.run(key, receiver, delivery);
      else if (receiver.waiting.length < this.receiverConcurrency * WAITING_PER_SLOT) receiver.waiting.push(delivery);
      else overflow.push(delivery);
    }
    // A receiver at its limit with a full queue: the rest go back to the table for a moment.
    await this.deliveries.release(overflow, new Date(now.getTime() + this.releaseDelayMs));
    return claimed.length === wanted;
  }

  /** Runs the delivery, then the next one waiting for the same receiver, if any. */
  private run(key: string, receiver: ReceiverSlots, delivery: ClaimedDelivery): void {
    receiver.running += 1;
    this.inFlight += 1;
    void this.attempt(delivery).finally(() => {
      receiver.running -= 1;
      this.inFlight -= 1;
      const next = this.stopping ? undefined : receiver.waiting.shift();
      if (next) this.run(key, receiver, next);
      else if (receiver.running === 0 && receiver.waiting.length === 0) this.receivers.delete(key);
      this.loop.wake();
    });
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { channel, result } = await this.sender.attempt(delivery, AbortSignal.timeout(this.attemptTimeoutMs));
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
      this.logger.debug({ msg: 'notification attempt failed', notificationId: delivery.notificationId, attempt: delivery.attempt, error: step.error });
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
      event: outcomeEvent(delivery, step.outcome, channel, step.error, now),
    });
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
    while (this.unsettled.length > 0) {
      const batch = this.unsettled.slice(0, SETTLE_BATCH);
      try {
        await this.deliveries.complete(batch, this.clock.now());
        this.unsettled.splice(0, batch.length);
        failures = 0;
        this.relay.wake();
      } catch (error) {
        failures += 1;
        this.logger.warn(`cannot record ${batch.length} delivery outcome(s) (try ${failures}): ${error instanceof Error ? error.message : String(error)}`);
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
