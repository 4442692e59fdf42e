import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import type { PartitionMetadata } from 'kafkajs';
import { createRequire } from 'node:module';
import { keyPartitioner, murmur2 } from './key-partitioner.js';

const kafkaJsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2') as (
  key: string | Buffer,
) => number;

function metadata(partitions: number, leaderless: readonly number[] = []): PartitionMetadata[] {
  return Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 1,
    replicas: [1],
    isr: [1],
  }));
}

describe(murmur2.name, () => {
  it("gives the hash of Kafka's murmur2 for keys of every length, ASCII, accented, emoji and binary", () => {
    const keys: (string | Buffer)[] = [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      'abcde',
      'accès refusé',
      'déjà-vu-🔐',
      '\u{1F600}x',
      'lone \ud800 surrogate',
    ];
    for (let index = 0; index < 300; index += 1)
      keys.push(randomUUID(), `org-${index}`, randomBytes(index % 41), 'é'.repeat(index % 90));

    const sut = keys.map((key) => murmur2(key));

    expect(sut).toEqual(keys.map((key) => kafkaJsMurmur2(key)));
    // Keys longer than the scratch buffer, and keys that are neither text nor bytes (hashed as text, as kafkajs does).
    const long = 'clé-'.repeat(300);
    expect(murmur2(long)).toBe(kafkaJsMurmur2(long));
    expect(murmur2(12345 as unknown as string)).toBe(kafkaJsMurmur2(12345 as unknown as string));
    // Values Java's org.apache.kafka.common.utils.Utils.murmur2 gives (the test vectors of Kafka's own suite).
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
  });
});

describe('keyPartitioner', () => {
  it("chooses what kafkajs's default partitioner chooses for keyed records, whatever the partition count", () => {
    const ours = keyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 6, 7, 12]) {
      const partitionMetadata = metadata(partitions);
      for (let index = 0; index < 200; index += 1) {
        const message = { key: index % 2 === 0 ? randomUUID() : Buffer.from(randomUUID()), value: 'x' };

        expect(ours({ topic: 't', partitionMetadata, message })).toBe(
          theirs({ topic: 't', partitionMetadata, message }),
        );
      }
    }
  });

  it('keeps a partition the record names, and spreads keyless records round robin over partitions that have a leader', () => {
    const sut = keyPartitioner();
    const partitionMetadata = metadata(4, [1]);

    expect(sut({ topic: 't', partitionMetadata, message: { key: 'k', value: 'x', partition: 1 } })).toBe(1);
    const chosen = Array.from({ length: 9 }, () =>
      sut({ topic: 't', partitionMetadata, message: { key: null, value: 'x' } }),
    );
    expect(new Set(chosen)).toEqual(new Set([0, 2, 3]));
    expect(chosen.slice(3)).toEqual([...chosen.slice(0, 3), ...chosen.slice(0, 3)]);
  });
});
