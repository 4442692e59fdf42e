import { randomUUID } from 'node:crypto';
import { CloudEvent, Kafka } from 'cloudevents';
import type { KafkaMessage } from 'cloudevents';
import type { Message as KafkaJsMessage } from 'kafkajs';
import { TOPIC_CATALOGUE } from '#contracts';
import type { TopicSpec } from '#contracts';
import { toKafkaMessage } from './event-publisher.js';
import type { OutgoingEvent } from './event-publisher.js';
import { withTrace } from './trace-context.js';

const SOURCE = '/support/routing';
const TIME = '2026-11-25T10:00:00.123Z';

/**
 * Reads a record with the CloudEvents SDK's Kafka binding: written by other hands than ours, so a
 * record it takes for a valid CloudEvents 1.0 event with our attributes is one.
 */
function readWithSdk(record: KafkaJsMessage): CloudEvent<unknown> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    if (typeof value !== 'string') throw new Error(`header ${name} is not a string`);
    headers[name] = value;
  }
  const value = typeof record.value === 'string' ? record.value : (record.value?.toString('utf8') ?? '');
  const key = typeof record.key === 'string' ? record.key : (record.key?.toString('utf8') ?? '');
  const message: KafkaMessage<string> = { headers, key, value, body: value };
  const event = Kafka.toEvent(message);
  if (!(event instanceof CloudEvent)) throw new Error('the SDK read a batch of events from one record');
  return event as CloudEvent<unknown>;
}

function eventFor(spec: TopicSpec): OutgoingEvent<unknown> {
  const key = `${spec.key}-${randomUUID()}`;
  return { key, id: randomUUID(), time: TIME, payload: { [spec.key]: key, note: 'accès refusé' } };
}

describe(toKafkaMessage.name, () => {
  test.each(TOPIC_CATALOGUE.map((spec) => [spec.name, spec] as const))(
    'writes what the CloudEvents SDK reads as a valid 1.0 event to %s, with our id, source, type, subject and time',
    (topic, spec) => {
      const event = eventFor(spec);

      const sut = readWithSdk(toKafkaMessage(SOURCE, topic, event));

      expect(sut.validate()).toBe(true);
      expect({
        specversion: sut.specversion,
        id: sut.id,
        source: sut.source,
        type: sut.type,
        subject: sut.subject,
        time: sut.time,
        datacontenttype: sut.datacontenttype,
        data: sut.data,
      }).toEqual({
        specversion: '1.0',
        id: event.id,
        source: SOURCE,
        type: spec.eventType,
        subject: event.key,
        time: TIME,
        datacontenttype: 'application/json',
        data: event.payload,
      });
    },
  );

  it('carries the correlation and causation ids as extension attributes the SDK accepts', () => {
    const [spec] = TOPIC_CATALOGUE;
    if (!spec) throw new Error('empty catalogue');
    const correlationId = randomUUID();
    const causationId = randomUUID();

    const record = withTrace(
      { correlationId, causationId, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      () => toKafkaMessage(SOURCE, spec.name, eventFor(spec)),
    );
    const sut = readWithSdk(record);

    expect(sut.validate()).toBe(true);
    // A strict copy also checks the extension names and values, which validate() does not.
    expect(() => sut.cloneWith({}, true)).not.toThrow();
    expect(sut['correlationid']).toBe(correlationId);
    expect(sut['causationid']).toBe(causationId);
  });

  it('writes a valid event without a subject when the record has no key', () => {
    const [spec] = TOPIC_CATALOGUE;
    if (!spec) throw new Error('empty catalogue');

    const record = toKafkaMessage(SOURCE, spec.name, { ...eventFor(spec), key: null });
    const sut = readWithSdk(record);

    expect(sut.validate()).toBe(true);
    expect(sut.subject).toBeUndefined();
  });
});
