import { createHash } from 'node:crypto';
import { RequestRejectedPayload, Topics, validatePayload } from '#contracts';
import { REJECTION_MAX_BYTES, boundedRejection, receptionTime } from './upstream-request.service.js';

const BASE = {
  requestId: null,
  errors: [
    { field: 'message', code: 'maxLength', message: 'message must be shorter than or equal to 10000 characters' },
  ],
  sourceTopic: Topics.requests,
  sourcePartition: '3',
  sourceOffset: '42',
  rejectedAt: '2026-11-30T08:00:00.000Z',
};

describe(boundedRejection.name, () => {
  it('keeps a raw value that fits as it came', () => {
    const sut = boundedRejection(BASE, '{"message":"hello"}');

    expect(sut).toEqual({ ...BASE, rawValue: '{"message":"hello"}' });
  });

  test.each([
    ['a record near the broker limit', 'x'.repeat(1_040_000)],
    ['180 KB of control characters (six bytes each once escaped)', '\u0001'.repeat(180_000)],
    ['emoji (surrogate pairs) across the cut', '😀'.repeat(300_000)],
  ])('cuts %s to fit, saying so, with the size and SHA-256 of the whole', (_name, raw) => {
    const sut = boundedRejection(BASE, raw);

    expect(Buffer.byteLength(JSON.stringify(sut))).toBeLessThanOrEqual(REJECTION_MAX_BYTES);
    expect(sut.rawValueTruncated).toBe(true);
    expect(sut.rawValueBytes).toBe(Buffer.byteLength(raw));
    expect(sut.rawValueSha256).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(raw.startsWith(sut.rawValue)).toBe(true);
    expect(sut.rawValue.isWellFormed()).toBe(true);
    expect(sut.rawValue.length).toBeGreaterThan(0);
    expect(validatePayload(RequestRejectedPayload, sut).ok).toBe(true);
  });
});

describe(receptionTime.name, () => {
  const now = Date.parse('2026-11-30T10:00:00.000Z');
  const skew = 300_000;

  test.each([
    ['the producer timestamp when it is recent', now - 2_000, '2026-11-30T09:59:58.000Z'],
    ['now for a timestamp in the future', now + 3_600_000, '2026-11-30T10:00:00.000Z'],
    ['now minus the allowed skew for a backdated record', now - 86_400_000, '2026-11-30T09:55:00.000Z'],
    ['now for a timestamp that is not a number', Number.NaN, '2026-11-30T10:00:00.000Z'],
  ])('is %s', (_name, producedAt, expected) => {
    expect(receptionTime(producedAt, now, skew)).toBe(expected);
  });
});
