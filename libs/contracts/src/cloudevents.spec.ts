import { randomUUID } from 'node:crypto';
import {
  CLOUDEVENTS_SPEC_VERSION,
  CloudEventHeaders,
  JSON_CONTENT_TYPE,
  fromCloudEventHeaders,
  newEventId,
  toCloudEventHeaders,
} from './cloudevents.js';
import type { CloudEventAttributes } from './cloudevents.js';

function attributes(overrides: Partial<CloudEventAttributes> = {}): CloudEventAttributes {
  return {
    id: randomUUID(),
    source: '/support/intake',
    type: 'support.ticket.submitted.v1',
    time: '2026-11-25T10:00:00.000Z',
    ...overrides,
  };
}

function fullAttributes(): CloudEventAttributes {
  return attributes({
    subject: randomUUID(),
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    correlationId: randomUUID(),
    causationId: randomUUID(),
  });
}

describe(toCloudEventHeaders.name, () => {
  it('writes spec version 1.0 and the JSON content type', () => {
    const sut = toCloudEventHeaders(attributes());

    expect(sut[CloudEventHeaders.specVersion]).toBe('1.0');
    expect(sut.ce_specversion).toBe(CLOUDEVENTS_SPEC_VERSION);
    expect(sut['content-type']).toBe('application/json');
    expect(sut[CloudEventHeaders.contentType]).toBe(JSON_CONTENT_TYPE);
  });

  it('writes every attribute under its Kafka binary-mode header name', () => {
    const given = fullAttributes();

    const sut = toCloudEventHeaders(given);

    expect(sut).toEqual({
      ce_specversion: '1.0',
      ce_id: given.id,
      ce_source: given.source,
      ce_type: given.type,
      ce_time: given.time,
      ce_subject: given.subject,
      traceparent: given.traceparent,
      ce_correlationid: given.correlationId,
      ce_causationid: given.causationId,
      'content-type': 'application/json',
    });
  });

  it('omits the optional attributes that are not given', () => {
    const sut = toCloudEventHeaders(attributes());

    expect(Object.keys(sut).sort()).toEqual([
      'ce_id',
      'ce_source',
      'ce_specversion',
      'ce_time',
      'ce_type',
      'content-type',
    ]);
    for (const header of [
      CloudEventHeaders.subject,
      CloudEventHeaders.traceparent,
      CloudEventHeaders.correlationId,
      CloudEventHeaders.causationId,
    ]) {
      expect(sut).not.toHaveProperty([header]);
    }
  });
});

describe(fromCloudEventHeaders.name, () => {
  it('round-trips every attribute', () => {
    const given = fullAttributes();

    const sut = fromCloudEventHeaders(toCloudEventHeaders(given));

    expect(sut).toEqual(given);
  });

  test.each([
    { name: 'only the required attributes', given: attributes() },
    { name: 'a subject only', given: attributes({ subject: 'ticket-1' }) },
    { name: 'correlation without causation', given: attributes({ correlationId: 'corr-1' }) },
    {
      name: 'causation and traceparent',
      given: attributes({
        causationId: 'cause-1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      }),
    },
  ])('round-trips $name without inventing the others', ({ given }) => {
    const sut = fromCloudEventHeaders(toCloudEventHeaders(given));

    expect(sut).toEqual(given);
    expect(Object.keys(sut).sort()).toEqual(Object.keys(given).sort());
  });

  it('gives no attributes for a record without CloudEvents headers', () => {
    const sut = fromCloudEventHeaders({ 'x-other': 'value' });

    expect(sut).toEqual({});
  });

  it('ignores empty header values', () => {
    const sut = fromCloudEventHeaders({ ce_id: '', ce_source: '/support/intake', ce_subject: '', ce_type: undefined });

    expect(sut).toEqual({ source: '/support/intake' });
  });

  it('does not surface the spec version or content type as attributes', () => {
    const sut = fromCloudEventHeaders({ ce_specversion: '1.0', 'content-type': 'application/json', ce_id: 'id-1' });

    expect(sut).toEqual({ id: 'id-1' });
  });
});

describe(newEventId.name, () => {
  it('gives a fresh RFC 9562 version 4 UUID each time', () => {
    const sut = newEventId();

    expect(sut).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newEventId()).not.toBe(sut);
  });
});
