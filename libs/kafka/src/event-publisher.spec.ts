import { randomUUID } from 'node:crypto';
import { ConsoleLogger, Logger } from '@nestjs/common';
import type { LoggerService } from '@nestjs/common';
import type { Kafka, Message, ProducerBatch, RecordMetadata } from 'kafkajs';
import { TOPIC_CATALOGUE, Topics, topicSpec } from '#contracts';
import type { TicketLifecyclePayload } from '#contracts';
import { eventually, submittedTicket } from '#testing';
import { EventPublisher } from './event-publisher.js';
import type { OutgoingEvent } from './event-publisher.js';
import { KafkaErrorCode, KafkaPublishError } from './kafka.errors.js';

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise;
    reject = rejectPromise;
  });
  return { promise, resolve, reject };
}

/** What one sendBatch call does; the default answers at once. */
type SendBehaviour = (batch: ProducerBatch, call: number) => Promise<void>;

/** The part of a kafkajs producer the publisher uses, recording what it is asked to do. */
class FakeProducer {
  readonly events = { DISCONNECT: 'producer.disconnect' } as const;
  readonly batches: ProducerBatch[] = [];
  readonly listeners = new Map<string, () => void>();
  connectCalls = 0;
  disconnectCalls = 0;
  concurrentSends = 0;
  maxConcurrentSends = 0;
  connectBehaviour: () => Promise<void> = async () => undefined;
  sendBehaviour: SendBehaviour = async () => undefined;

  async connect(): Promise<void> {
    this.connectCalls += 1;
    await this.connectBehaviour();
  }

  async disconnect(): Promise<void> {
    this.disconnectCalls += 1;
  }

  on(event: string, listener: () => void): () => void {
    this.listeners.set(event, listener);
    return () => this.listeners.delete(event);
  }

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    this.batches.push(batch);
    this.concurrentSends += 1;
    this.maxConcurrentSends = Math.max(this.maxConcurrentSends, this.concurrentSends);
    try {
      await this.sendBehaviour(batch, this.batches.length);
      return [];
    } finally {
      this.concurrentSends -= 1;
    }
  }
}

/** Keeps the publisher's warnings for assertions instead of printing them. */
class RecordingLogger implements LoggerService {
  readonly warnings: string[] = [];

  log(): void {}

  error(): void {}

  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

function fakeKafka(producer: FakeProducer): Kafka {
  return { producer: () => producer } as unknown as Kafka;
}

const SOURCE = '/support/test';

function submittedEvent(
  overrides: Partial<OutgoingEvent<ReturnType<typeof submittedTicket>>> = {},
): OutgoingEvent<ReturnType<typeof submittedTicket>> {
  const payload = submittedTicket();
  return { key: payload.ticketId, payload, id: randomUUID(), ...overrides };
}

function lifecycleEvent(): OutgoingEvent<TicketLifecyclePayload> {
  const ticketId = randomUUID();
  return {
    key: ticketId,
    payload: { ticketId, event: 'claimed', at: '2026-11-25T10:05:00.000Z', actor: 'agent-1' },
    id: randomUUID(),
  };
}

function messagesOf(batch: ProducerBatch | undefined, topic: string): Message[] {
  return batch?.topicMessages?.find((entry) => entry.topic === topic)?.messages ?? [];
}

/** Lets every pending promise callback and timer of the current turn run, without waiting for time to pass. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

function track(promise: Promise<void>): { readonly promise: Promise<void>; settled: boolean } {
  const tracked = { promise, settled: false };
  promise.then(
    () => {
      tracked.settled = true;
    },
    () => {
      tracked.settled = true;
    },
  );
  return tracked;
}

describe(EventPublisher.name, () => {
  let producer: FakeProducer;
  let logger: RecordingLogger;
  let sut: EventPublisher;

  beforeEach(() => {
    logger = new RecordingLogger();
    Logger.overrideLogger(logger);
    producer = new FakeProducer();
    sut = new EventPublisher(fakeKafka(producer), { source: SOURCE, lingerMs: 5, sendTimeoutMs: 2_000 });
  });

  afterAll(() => {
    Logger.overrideLogger(new ConsoleLogger());
  });

  it('listens for the producer disconnect event', () => {
    expect([...producer.listeners.keys()]).toEqual(['producer.disconnect']);
  });

  it('sends concurrent publishes made within the linger window as one sendBatch grouped by topic, with acks -1', async () => {
    const first = submittedEvent();
    const second = submittedEvent();
    const third = lifecycleEvent();

    await Promise.all([
      sut.publish(Topics.ticketsSubmitted, first),
      sut.publish(Topics.ticketsLifecycle, third),
      sut.publish(Topics.ticketsSubmitted, second),
    ]);

    expect(producer.batches).toHaveLength(1);
    const [batch] = producer.batches;
    expect(batch?.acks).toBe(-1);
    expect(batch?.topicMessages?.map((entry) => entry.topic)).toEqual([
      Topics.ticketsSubmitted,
      Topics.ticketsLifecycle,
    ]);
    expect(messagesOf(batch, Topics.ticketsSubmitted).map((message) => message.key)).toEqual([first.key, second.key]);
    expect(messagesOf(batch, Topics.ticketsLifecycle).map((message) => message.key)).toEqual([third.key]);
  });

  it('sends publishAll events to several topics in one produce request', async () => {
    const submitted = submittedEvent();
    const lifecycle = lifecycleEvent();

    await sut.publishAll([
      { topic: Topics.ticketsSubmitted, event: submitted },
      { topic: Topics.ticketsLifecycle, event: lifecycle },
    ]);

    expect(producer.batches).toHaveLength(1);
    expect(messagesOf(producer.batches[0], Topics.ticketsSubmitted).map((message) => message.key)).toEqual([
      submitted.key,
    ]);
    expect(messagesOf(producer.batches[0], Topics.ticketsLifecycle).map((message) => message.key)).toEqual([
      lifecycle.key,
    ]);
  });

  it('does not send anything for an empty publishAll', async () => {
    await sut.publishAll([]);

    expect(producer.batches).toHaveLength(0);
  });

  it('writes CloudEvents headers and the JSON payload on every record', async () => {
    const event = submittedEvent({ correlationId: 'corr-1', causationId: 'cause-1', time: '2026-11-25T10:00:01.000Z' });

    await sut.publish(Topics.ticketsSubmitted, event);

    const [message] = messagesOf(producer.batches[0], Topics.ticketsSubmitted);
    expect(message?.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_source: SOURCE,
      ce_type: topicSpec(Topics.ticketsSubmitted).eventType,
      ce_time: '2026-11-25T10:00:01.000Z',
      ce_subject: event.key,
      ce_correlationid: 'corr-1',
      ce_causationid: 'cause-1',
      'content-type': 'application/json',
    });
    expect(JSON.parse(String(message?.value))).toEqual(event.payload);
  });

  test.each(TOPIC_CATALOGUE.map((spec) => ({ topic: spec.name, eventType: spec.eventType })))(
    'takes ce_type of $topic from the topic catalogue ($eventType)',
    async ({ topic, eventType }) => {
      await sut.publishAll([{ topic, event: lifecycleEvent() }]);

      const [message] = messagesOf(producer.batches[0], topic);
      expect(message?.headers?.ce_type).toBe(eventType);
    },
  );

  it('stamps ce_time with the current time when none is given', async () => {
    const before = Date.now();

    await sut.publish(Topics.ticketsSubmitted, submittedEvent());

    const time = Date.parse(String(messagesOf(producer.batches[0], Topics.ticketsSubmitted)[0]?.headers?.ce_time));
    expect(time).toBeGreaterThanOrEqual(before - 1);
    expect(time).toBeLessThanOrEqual(Date.now());
  });

  it('prefers an explicit subject and type over the key and the catalogue', async () => {
    const event = submittedEvent({ subject: 'explicit-subject', type: 'support.custom.v1' });

    await sut.publish(Topics.ticketsSubmitted, event);

    const [message] = messagesOf(producer.batches[0], Topics.ticketsSubmitted);
    expect(message?.headers?.ce_subject).toBe('explicit-subject');
    expect(message?.headers?.ce_type).toBe('support.custom.v1');
    expect(message?.key).toBe(event.key);
  });

  it('leaves ce_subject out when the record has no key', async () => {
    await sut.publish(Topics.ticketsSubmitted, submittedEvent({ key: null }));

    const [message] = messagesOf(producer.batches[0], Topics.ticketsSubmitted);
    expect(message?.key).toBeNull();
    expect(message?.headers).not.toHaveProperty('ce_subject');
  });

  it('resolves callers only after sendBatch has resolved', async () => {
    const gate = deferred();
    producer.sendBehaviour = () => gate.promise;
    const first = track(sut.publish(Topics.ticketsSubmitted, submittedEvent()));
    const second = track(sut.publish(Topics.ticketsSubmitted, submittedEvent()));

    await eventually(() => expect(producer.batches).toHaveLength(1), { timeoutMs: 2_000, intervalMs: 5 });
    await settle();
    expect([first.settled, second.settled]).toEqual([false, false]);

    gate.resolve();
    await Promise.all([first.promise, second.promise]);
    expect([first.settled, second.settled]).toEqual([true, true]);
  });

  it('rejects every caller of a batch with KAFKA_UNAVAILABLE when sendBatch rejects', async () => {
    const broker = new Error('The coordinator is not available');
    producer.sendBehaviour = async () => {
      throw broker;
    };

    const results = await Promise.allSettled([
      sut.publish(Topics.ticketsSubmitted, submittedEvent()),
      sut.publish(Topics.ticketsLifecycle, lifecycleEvent()),
      sut.publish(Topics.ticketsSubmitted, submittedEvent()),
    ]);

    expect(producer.batches).toHaveLength(1);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const result of results) {
      const reason: unknown = result.status === 'rejected' ? result.reason : undefined;
      expect(reason).toBeInstanceOf(KafkaPublishError);
      expect(reason).toMatchObject({ code: KafkaErrorCode.unavailable, cause: broker });
      expect((reason as Error).message).toContain('The coordinator is not available');
    }
    expect(logger.warnings).toEqual([expect.stringContaining('3 record(s) not written')]);
  });

  it('rejects with KAFKA_UNAVAILABLE when the producer cannot connect, and reconnects on the next publish', async () => {
    producer.connectBehaviour = async () => {
      throw new Error('ECONNREFUSED');
    };

    const failed = sut.publish(Topics.ticketsSubmitted, submittedEvent());
    await expect(failed).rejects.toBeInstanceOf(KafkaPublishError);
    await expect(failed).rejects.toMatchObject({ code: KafkaErrorCode.unavailable });
    expect(producer.batches).toHaveLength(0);
    expect(sut.isConnected()).toBe(false);

    producer.connectBehaviour = async () => undefined;
    await sut.publish(Topics.ticketsSubmitted, submittedEvent());

    expect(producer.connectCalls).toBe(2);
    expect(producer.batches).toHaveLength(1);
    expect(sut.isConnected()).toBe(true);
  });

  it('connects once for many batches, and again after the producer reports a disconnect', async () => {
    await sut.publish(Topics.ticketsSubmitted, submittedEvent());
    await sut.publish(Topics.ticketsSubmitted, submittedEvent());
    expect(producer.connectCalls).toBe(1);

    producer.listeners.get(producer.events.DISCONNECT)?.();
    expect(sut.isConnected()).toBe(false);
    await sut.publish(Topics.ticketsSubmitted, submittedEvent());

    expect(producer.connectCalls).toBe(2);
  });

  it('sends publishes made while a batch is in flight in the next single sendBatch, never two at once', async () => {
    const gates = [deferred(), deferred()];
    producer.sendBehaviour = (_batch, call) => gates[call - 1]?.promise ?? Promise.resolve();
    const early = [submittedEvent(), submittedEvent()];
    const late = [submittedEvent(), submittedEvent(), submittedEvent()];

    const earlyCalls = early.map((event) => sut.publish(Topics.ticketsSubmitted, event));
    await eventually(() => expect(producer.batches).toHaveLength(1), { timeoutMs: 2_000, intervalMs: 5 });
    const lateCalls = late.map((event) => track(sut.publish(Topics.ticketsSubmitted, event)));
    await settle();
    expect(producer.batches).toHaveLength(1);

    gates[0]?.resolve();
    await Promise.all(earlyCalls);
    await eventually(() => expect(producer.batches).toHaveLength(2), { timeoutMs: 2_000, intervalMs: 5 });
    expect(lateCalls.map((call) => call.settled)).toEqual([false, false, false]);
    gates[1]?.resolve();
    await Promise.all(lateCalls.map((call) => call.promise));

    expect(producer.batches).toHaveLength(2);
    expect(producer.maxConcurrentSends).toBe(1);
    expect(messagesOf(producer.batches[0], Topics.ticketsSubmitted).map((message) => message.key)).toEqual(
      early.map((event) => event.key),
    );
    expect(messagesOf(producer.batches[1], Topics.ticketsSubmitted).map((message) => message.key)).toEqual(
      late.map((event) => event.key),
    );
  });

  it('sends at once, without lingering, when a group reaches maxBatchRecords', async () => {
    const lingering = new EventPublisher(fakeKafka(producer), {
      source: SOURCE,
      lingerMs: 60_000,
      maxBatchRecords: 2,
      sendTimeoutMs: 2_000,
    });

    await Promise.all([
      lingering.publish(Topics.ticketsSubmitted, submittedEvent()),
      lingering.publish(Topics.ticketsSubmitted, submittedEvent()),
    ]);

    expect(producer.batches).toHaveLength(1);
    expect(messagesOf(producer.batches[0], Topics.ticketsSubmitted)).toHaveLength(2);
  });

  it('rejects with KAFKA_PUBLISH_TIMEOUT when sendBatch never answers within sendTimeoutMs, then keeps publishing', async () => {
    const sendTimeoutMs = 50;
    const impatient = new EventPublisher(fakeKafka(producer), { source: SOURCE, lingerMs: 1, sendTimeoutMs });
    producer.sendBehaviour = (_batch, call) => (call === 1 ? new Promise<void>(() => undefined) : Promise.resolve());
    const startedAt = performance.now();

    const results = await Promise.allSettled([
      impatient.publish(Topics.ticketsSubmitted, submittedEvent()),
      impatient.publish(Topics.ticketsSubmitted, submittedEvent()),
    ]);

    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(sendTimeoutMs - 5);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason: unknown = result.status === 'rejected' ? result.reason : undefined;
      expect(reason).toBeInstanceOf(KafkaPublishError);
      expect(reason).toMatchObject({ code: KafkaErrorCode.publishTimeout });
    }
    expect(producer.batches[0]?.timeout).toBe(sendTimeoutMs);

    await impatient.publish(Topics.ticketsSubmitted, submittedEvent());
    expect(producer.batches).toHaveLength(2);
  });

  it('passes key, value and headers of publishRaw through unchanged, without CloudEvents headers of its own', async () => {
    const value = Buffer.from([0xff, 0xfe, 0x00, 0x7b]);
    const headers = { ce_id: 'original-id', 'x-dlq-reason': Buffer.from('INVALID_JSON') };

    await sut.publishRaw('support.requests.v1.support-intake.dlq', { key: 'request-1', value, headers });

    expect(producer.batches[0]?.topicMessages).toEqual([
      { topic: 'support.requests.v1.support-intake.dlq', messages: [{ key: 'request-1', value, headers }] },
    ]);
    const [message] = messagesOf(producer.batches[0], 'support.requests.v1.support-intake.dlq');
    expect(message?.value).toBe(value);
    expect(message?.headers).toBe(headers);
    expect(Object.keys(message?.headers ?? {})).toEqual(['ce_id', 'x-dlq-reason']);
  });

  it('passes a tombstone (null key and value) through publishRaw', async () => {
    await sut.publishRaw(Topics.psmAssignments, { key: null, value: null, headers: {} });

    expect(messagesOf(producer.batches[0], Topics.psmAssignments)).toEqual([{ key: null, value: null, headers: {} }]);
  });

  it('flushes queued publishes, then disconnects, on close', async () => {
    const lingering = new EventPublisher(fakeKafka(producer), {
      source: SOURCE,
      lingerMs: 60_000,
      sendTimeoutMs: 2_000,
    });
    const queued = lingering.publish(Topics.ticketsSubmitted, submittedEvent());

    await lingering.close();

    await expect(queued).resolves.toBeUndefined();
    expect(producer.batches).toHaveLength(1);
    expect(producer.disconnectCalls).toBe(1);
  });

  it('rejects publish and publishRaw after close', async () => {
    await sut.close();

    const [publish, raw] = await Promise.allSettled([
      sut.publish(Topics.ticketsSubmitted, submittedEvent()),
      sut.publishRaw(Topics.ticketsSubmitted, { key: 'k', value: 'v', headers: {} }),
    ]);

    expect(publish?.status === 'rejected' ? publish.reason : publish).toBeInstanceOf(KafkaPublishError);
    expect(publish).toMatchObject({
      status: 'rejected',
      reason: { code: KafkaErrorCode.unavailable, message: 'publisher is closed' },
    });
    expect(raw).toMatchObject({ status: 'rejected', reason: { code: KafkaErrorCode.unavailable } });
    expect(producer.batches).toHaveLength(0);
  });

  describe('after the broker forgot the producer id', () => {
    test.each(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID'])(
      'fails the batch on %s, then writes the next one with a new producer',
      async (type) => {
        const first = new FakeProducer();
        const second = new FakeProducer();
        const producers = [first, second];
        const kafka = { producer: () => producers.shift() ?? second } as unknown as Kafka;
        first.sendBehaviour = async () => {
          throw Object.assign(new Error('The broker received an out of order sequence number'), { type });
        };
        const publisher = new EventPublisher(kafka, { source: SOURCE, lingerMs: 1, sendTimeoutMs: 2_000 });

        const failed = await publisher
          .publish(Topics.ticketsSubmitted, submittedEvent())
          .catch((error: unknown) => error);
        await publisher.publish(Topics.ticketsSubmitted, submittedEvent());

        expect(failed).toBeInstanceOf(KafkaPublishError);
        expect(first.disconnectCalls).toBe(1);
        expect(second.batches).toHaveLength(1);
        expect(logger.warnings.some((warning) => warning.includes('a new producer takes over'))).toBe(true);
      },
    );
  });

  describe('after any failed request', () => {
    it('replaces its producer before sending anything else (kafkajs rolled back the sequence numbers)', async () => {
      const first = new FakeProducer();
      const second = new FakeProducer();
      const producers = [first, second];
      const kafka = { producer: () => producers.shift() ?? second } as unknown as Kafka;
      first.sendBehaviour = async () => {
        throw Object.assign(new Error('Request timed out'), { type: 'REQUEST_TIMED_OUT' });
      };
      const publisher = new EventPublisher(kafka, { source: SOURCE, lingerMs: 1, sendTimeoutMs: 2_000 });

      const failed = await publisher
        .publish(Topics.ticketsSubmitted, submittedEvent())
        .catch((error: unknown) => error);
      await publisher.publish(Topics.ticketsSubmitted, submittedEvent());

      expect(failed).toMatchObject({ code: KafkaErrorCode.unavailable });
      expect(first.batches).toHaveLength(1);
      expect(first.disconnectCalls).toBe(1);
      expect(second.batches).toHaveLength(1);
    });

    it('sends the callers of a request the broker refused a record of one by one: only the caller at fault fails', async () => {
      const producers = [new FakeProducer(), new FakeProducer(), new FakeProducer(), new FakeProducer()];
      const used: FakeProducer[] = [];
      const kafka = {
        producer: () => {
          const next = producers.shift() ?? new FakeProducer();
          used.push(next);
          return next;
        },
      } as unknown as Kafka;
      const poison = submittedEvent();
      for (const candidate of producers) {
        candidate.sendBehaviour = async (batch) => {
          const keys = batch.topicMessages?.flatMap((entry) => entry.messages.map((message) => message.key)) ?? [];
          if (keys.includes(poison.key))
            throw new Error('produce failed', {
              cause: Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' }),
            });
        };
      }
      const publisher = new EventPublisher(kafka, { source: SOURCE, lingerMs: 20, sendTimeoutMs: 2_000 });
      const innocent = [submittedEvent(), submittedEvent()];

      const results = await Promise.allSettled([
        publisher.publish(Topics.ticketsSubmitted, innocent[0] ?? submittedEvent()),
        publisher.publish(Topics.ticketsSubmitted, poison),
        publisher.publish(Topics.ticketsSubmitted, innocent[1] ?? submittedEvent()),
      ]);

      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: KafkaErrorCode.recordRefused } });
      // The shared request, then each caller alone; a new producer after each failure.
      expect(
        used.flatMap((candidate) => candidate.batches).map((batch) => batch.topicMessages?.[0]?.messages.length),
      ).toEqual([3, 1, 1, 1]);
      expect(used).toHaveLength(3);
    });

    it('refuses a record larger than the broker takes before sending it, failing no one else', async () => {
      const huge = submittedEvent({ payload: { ...submittedTicket(), message: 'x'.repeat(1_100_000) } });

      const [refused, fine] = await Promise.allSettled([
        sut.publish(Topics.ticketsSubmitted, huge),
        sut.publish(Topics.ticketsSubmitted, submittedEvent()),
      ]);

      expect(refused).toMatchObject({ status: 'rejected', reason: { code: KafkaErrorCode.recordRefused } });
      expect(fine.status).toBe('fulfilled');
      expect(producer.batches).toHaveLength(1);
    });
  });
});
