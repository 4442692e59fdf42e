import { randomUUID } from 'node:crypto';

/** CloudEvents 1.0 Kafka binary-mode header names. */
export const CloudEventHeaders = {
  specVersion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  time: 'ce_time',
  subject: 'ce_subject',
  contentType: 'content-type',
  traceparent: 'traceparent',
  correlationId: 'ce_correlationid',
  causationId: 'ce_causationid',
} as const;

export const CLOUDEVENTS_SPEC_VERSION = '1.0';
export const JSON_CONTENT_TYPE = 'application/json';

export interface CloudEventAttributes {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly subject?: string;
  readonly traceparent?: string;
  /** Id of the first event of the flow (the request); lets an auditor follow one request end to end. */
  readonly correlationId?: string;
  /** `ce_id` of the event that caused this one. */
  readonly causationId?: string;
}

export type KafkaHeaders = Record<string, string>;

export function toCloudEventHeaders(attributes: CloudEventAttributes): KafkaHeaders {
  const headers: KafkaHeaders = {
    [CloudEventHeaders.specVersion]: CLOUDEVENTS_SPEC_VERSION,
    [CloudEventHeaders.id]: attributes.id,
    [CloudEventHeaders.source]: attributes.source,
    [CloudEventHeaders.type]: attributes.type,
    [CloudEventHeaders.time]: attributes.time,
    [CloudEventHeaders.contentType]: JSON_CONTENT_TYPE,
  };
  if (attributes.subject !== undefined) headers[CloudEventHeaders.subject] = attributes.subject;
  if (attributes.traceparent !== undefined) headers[CloudEventHeaders.traceparent] = attributes.traceparent;
  if (attributes.correlationId !== undefined) headers[CloudEventHeaders.correlationId] = attributes.correlationId;
  if (attributes.causationId !== undefined) headers[CloudEventHeaders.causationId] = attributes.causationId;
  return headers;
}

/**
 * Reads the CloudEvents attributes of a record. Records produced by tools that know nothing of
 * CloudEvents (a plain JSON line) have none: they get `undefined` and the caller derives an id.
 */
export function fromCloudEventHeaders(
  headers: Readonly<Record<string, string | undefined>>,
): Partial<CloudEventAttributes> {
  const attributes: { -readonly [K in keyof CloudEventAttributes]?: CloudEventAttributes[K] } = {};
  const id = headers[CloudEventHeaders.id];
  if (id) attributes.id = id;
  const source = headers[CloudEventHeaders.source];
  if (source) attributes.source = source;
  const type = headers[CloudEventHeaders.type];
  if (type) attributes.type = type;
  const time = headers[CloudEventHeaders.time];
  if (time) attributes.time = time;
  const subject = headers[CloudEventHeaders.subject];
  if (subject) attributes.subject = subject;
  const traceparent = headers[CloudEventHeaders.traceparent];
  if (traceparent) attributes.traceparent = traceparent;
  const correlationId = headers[CloudEventHeaders.correlationId];
  if (correlationId) attributes.correlationId = correlationId;
  const causationId = headers[CloudEventHeaders.causationId];
  if (causationId) attributes.causationId = causationId;
  return attributes;
}

export function newEventId(): string {
  return randomUUID();
}
