import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { PINNED_KAFKAJS_VERSION, kafkaJsEncoderTuning, tuningAllowedFor } from './kafkajs-encoder.js';

interface EncodedBuffer {
  readonly buf: Buffer;
  readonly buffer: Buffer;
}
type LongValue = unknown;

const load = createRequire(import.meta.url);
const { RecordBatch } = load('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch(options: Record<string, unknown>): Promise<EncodedBuffer>;
};
const Record = load('kafkajs/src/protocol/recordBatch/record/v0') as (
  options: Record<string, unknown>,
) => EncodedBuffer;
const Header = load('kafkajs/src/protocol/recordBatch/header/v0') as (header: {
  key: string;
  value: string;
}) => EncodedBuffer;
const Long = load('kafkajs/src/utils/long') as {
  fromNumber(value: number): LongValue;
  fromInt(value: number): LongValue;
};

/** The batch `golden` was computed from, encoded by unmodified kafkajs 2.2.4 in a separate process. */
async function sampleBatch(): Promise<Buffer> {
  const records = [
    Record({
      offsetDelta: 0,
      key: Buffer.from('ticket-1'),
      value: Buffer.from('{"message":"Connexion impossible, accès refusé"}'),
      headers: { ce_id: 'a1', ce_source: '/support/routing', ce_subject: 'ticket-1' },
    }),
    // Larger than the 4 KiB below which Buffer.allocUnsafe slices the shared pool.
    Record({
      offsetDelta: 1,
      key: null,
      value: Buffer.from('x'.repeat(6000)),
      headers: { ce_type: 'support.ticket.routed.v1', note: 'déjà vu' },
    }),
    Record({ offsetDelta: 2, key: Buffer.from('ticket-3'), value: null, headers: {} }),
  ];
  const batch = await RecordBatch({
    records,
    firstTimestamp: Long.fromNumber(1764385200000),
    maxTimestamp: Long.fromNumber(1764385200000),
    producerId: Long.fromInt(42),
    producerEpoch: 3,
    firstSequence: 7,
    transactional: true,
    lastOffsetDelta: 2,
  });
  return batch.buffer;
}

describe('kafkajs encoder buffers', () => {
  it('are replaced before kafkajs loads: a header starts in a 64-byte buffer instead of a zero-filled 512-byte one', () => {
    expect(kafkaJsEncoderTuning).toBe('full');
    expect(Header({ key: 'ce_id', value: 'a1' }).buf.length).toBe(64);
  });

  it('encode a record batch byte for byte as unmodified kafkajs does, records beyond the buffer pool included', async () => {
    // Leave unrelated bytes in the pool and in freed memory, where unzeroed buffers come from.
    for (let round = 0; round < 50; round += 1) Buffer.allocUnsafe(round % 2 === 0 ? 1_000 : 10_000).fill(0xee);

    const sut = await sampleBatch();

    expect(sut.length).toBe(6255);
    expect(createHash('sha256').update(sut).digest('hex')).toBe(
      '8a36797be3f8c6fdeea5958ef1ce34ff892ba95325a522ecb5c9b547d471aa20',
    );
  });
});

describe('kafkajs encoder patch', () => {
  it('applies to the pinned kafkajs only, leaving every other version as it is', () => {
    const installed = (load('kafkajs/package.json') as { version: string }).version;

    expect(installed).toBe(PINNED_KAFKAJS_VERSION);
    expect(tuningAllowedFor(installed)).toBe(true);
    for (const other of ['2.2.5', '2.3.0', '3.0.0', '2.2.4-beta.1', undefined])
      expect(tuningAllowedFor(other)).toBe(false);
  });
});
