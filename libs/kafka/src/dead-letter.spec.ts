import { createHash } from 'node:crypto';
import { decodeHeaders } from './kafka-event.js';
import {
  DEAD_LETTER_HEADERS_MAX_BYTES,
  DEAD_LETTER_KEY_MAX_BYTES,
  DEAD_LETTER_VALUE_MAX_BYTES,
  DeadLetterHeaders,
  deadLetterRecord,
} from './dead-letter.js';
import { MAX_RECORD_BYTES, recordSize } from './event-publisher.js';

const FAILURE = {
  groupId: 'support-routing',
  code: 'INVALID_EVENT',
  reason: 'invalid support.tickets.submitted.v1 payload: message: maxLength',
  attempts: 1,
  failedAt: new Date('2026-11-30T10:00:00.000Z'),
};

describe(deadLetterRecord.name, () => {
  it('copies a record whole, with where it came from and why it failed', () => {
    const value = Buffer.from('{"ticketId":"t-1"}');

    const sut = deadLetterRecord(
      {
        topic: 'support.tickets.submitted.v1',
        partition: 2,
        offset: '17',
        key: Buffer.from('t-1'),
        value,
        headers: { ce_id: 'e-1' },
      },
      FAILURE,
    );

    expect(sut.value).toEqual(value);
    expect(sut.key).toEqual(Buffer.from('t-1'));
    expect(sut.headers).toMatchObject({
      ce_id: 'e-1',
      [DeadLetterHeaders.topic]: 'support.tickets.submitted.v1',
      [DeadLetterHeaders.partition]: '2',
      [DeadLetterHeaders.offset]: '17',
      [DeadLetterHeaders.code]: 'INVALID_EVENT',
      [DeadLetterHeaders.valueBytes]: String(value.length),
      [DeadLetterHeaders.valueSha256]: createHash('sha256').update(value).digest('hex'),
    });
    expect(sut.headers).not.toHaveProperty(DeadLetterHeaders.valueTruncated);
  });

  it('keeps a record near the broker limit within it: value, key and headers cut, the cut said and hashed', () => {
    const value = Buffer.alloc(1_040_000, 0x61);
    const headers = Object.fromEntries(
      Array.from({ length: 40 }, (_, index) => [`h${index}`, Buffer.alloc(4_000, 0x62)]),
    );

    const sut = deadLetterRecord(
      { topic: 't', partition: 0, offset: '1', key: Buffer.alloc(10_000, 0x6b), value, headers },
      FAILURE,
    );

    expect(recordSize({ key: sut.key, value: sut.value, headers: sut.headers })).toBeLessThan(MAX_RECORD_BYTES);
    expect(sut.value?.length).toBe(DEAD_LETTER_VALUE_MAX_BYTES);
    expect(sut.key?.length).toBe(DEAD_LETTER_KEY_MAX_BYTES);
    expect(sut.headers[DeadLetterHeaders.valueTruncated]).toBe('true');
    expect(sut.headers[DeadLetterHeaders.keyTruncated]).toBe('true');
    expect(Number(sut.headers[DeadLetterHeaders.headersDropped])).toBeGreaterThan(0);
    expect(sut.headers[DeadLetterHeaders.valueBytes]).toBe('1040000');
    expect(sut.headers[DeadLetterHeaders.valueSha256]).toBe(createHash('sha256').update(value).digest('hex'));
    const kept = Object.keys(sut.headers).filter((name) => name.startsWith('h'));
    expect(kept.length * 4_002).toBeLessThanOrEqual(DEAD_LETTER_HEADERS_MAX_BYTES);
  });

  it('bounds the reason', () => {
    const sut = deadLetterRecord(
      { topic: 't', partition: 0, offset: '1', key: null, value: null },
      { ...FAILURE, reason: 'r'.repeat(5_000) },
    );

    expect(String(sut.headers[DeadLetterHeaders.message])).toHaveLength(1_000);
    expect(sut.headers).not.toHaveProperty(DeadLetterHeaders.valueBytes);
  });
});

describe('headers named after Object.prototype', () => {
  it('stay plain headers of the dead letter and of the decoded event', () => {
    // An own "__proto__" key, as a decoded record's headers may have (a literal would set the prototype).
    const headers = Object.defineProperty({ constructor: 'c' }, '__proto__', {
      value: Buffer.from('p'),
      enumerable: true,
    }) as Record<string, string | Buffer>;
    const sut = deadLetterRecord(
      { topic: 't', partition: 0, offset: '1', key: null, value: Buffer.from('x'), headers },
      FAILURE,
    );

    expect(Object.getPrototypeOf(sut.headers)).toBe(Object.prototype);
    expect(Object.keys(sut.headers)).toEqual(expect.arrayContaining(['__proto__', 'constructor']));
    const decoded = decodeHeaders(JSON.parse('{"__proto__": "p", "ce_id": "e"}') as Record<string, string>);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(decoded).toEqual(JSON.parse('{"__proto__": "p", "ce_id": "e"}'));
  });
});
