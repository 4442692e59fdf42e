import { Topics } from '#contracts';
import { toKafkaMessage } from './event-publisher.js';
import { traceOf } from './consumer/handler-call.js';
import type { KafkaEvent } from './kafka-event.js';
import { childTraceparent, traceIdOf, withTrace } from './trace-context.js';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function header(message: ReturnType<typeof toKafkaMessage>, name: string): string | undefined {
  const value = message.headers?.[name];
  return typeof value === 'string' ? value : value?.toString();
}

describe(childTraceparent.name, () => {
  it('keeps the trace id and flags of a valid parent, with a new span id', () => {
    const sut = childTraceparent(PARENT);
    expect(sut).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(sut).not.toBe(PARENT);
  });

  it('gives every child a span id of its own, across refills of the random pool', () => {
    const sut = Array.from({ length: 2_000 }, () => childTraceparent(PARENT).split('-')[2]);

    expect(new Set(sut).size).toBe(2_000);
    expect(sut.every((spanId) => spanId !== '0000000000000000')).toBe(true);
  });

  test.each([
    undefined,
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
  ])('starts a new trace from %s', (parent) => {
    const sut = childTraceparent(parent);
    expect(sut).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceIdOf(sut)).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});

describe('trace propagation into published events', () => {
  const payload = { ticketId: 't-1' };

  it('gives an event published while handling another its correlation id, cause and a child span of its trace', () => {
    const handled = {
      cloudEvent: { id: 'event-1', correlationId: 'request-9', traceparent: PARENT },
    } as unknown as KafkaEvent;

    const sut = withTrace(traceOf(handled), () =>
      toKafkaMessage('/test', Topics.ticketsRouted, { key: 't-1', id: 'event-2', payload }),
    );

    expect(header(sut, 'ce_correlationid')).toBe('request-9');
    expect(header(sut, 'ce_causationid')).toBe('event-1');
    expect(traceIdOf(header(sut, 'traceparent'))).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(header(sut, 'traceparent')).not.toBe(PARENT);
  });

  it('keeps what the publisher sets explicitly, and adds nothing outside a trace', () => {
    const explicit = withTrace({ correlationId: 'ambient' }, () =>
      toKafkaMessage('/test', Topics.ticketsRouted, { key: 't-1', id: 'e', payload, correlationId: 'explicit' }),
    );
    const outside = toKafkaMessage('/test', Topics.ticketsRouted, { key: 't-1', id: 'e', payload });

    expect(header(explicit, 'ce_correlationid')).toBe('explicit');
    expect(header(outside, 'traceparent')).toBeUndefined();
    expect(header(outside, 'ce_correlationid')).toBeUndefined();
  });
});
