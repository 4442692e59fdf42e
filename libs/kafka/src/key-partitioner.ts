import { randomInt } from 'node:crypto';
import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

/**
 * The partition of a record: the one it names, else murmur2 of its key as Java's default
 * partitioner computes it (the mapping every Kafka client shares, so a ticket's records land on the
 * same partition whoever writes them), else round robin over the partitions that have a leader.
 *
 * It chooses exactly what kafkajs's default partitioner chooses, for less: kafkajs computes murmur2
 * with 64-bit `Long` objects on a new Buffer per record and filters the partition list per record
 * (docs/benchmarks.md has what that cost).
 */
export const keyPartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const partitions = partitionMetadata.length;
    if (message.key !== null && message.key !== undefined) return (murmur2(message.key) & 0x7fffffff) % partitions;
    const next = (counters.get(topic) ?? randomInt(2 ** 31)) + 1;
    counters.set(topic, next);
    const available = partitionMetadata.filter((partition) => partition.leader >= 0);
    if (available.length === 0) return (next & 0x7fffffff) % partitions;
    return available[(next & 0x7fffffff) % available.length]?.partitionId ?? 0;
  };
};

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const encoder = new TextEncoder();
/** Keys are ids: up to 1,024 UTF-8 bytes are encoded here without allocating. */
const scratch = new Uint8Array(1024);

/** Kafka's murmur2 (32-bit, signed) of a key's UTF-8 bytes. */
export function murmur2(input: string | Buffer): number {
  // As kafkajs: a Buffer as it is, anything else as the text of its value.
  const key = Buffer.isBuffer(input) ? input : String(input);
  let data: Uint8Array;
  let length: number;
  if (typeof key === 'string' && key.length * 3 <= scratch.length) {
    // Up to 3 bytes per UTF-16 unit; encodeInto writes the same bytes Buffer.from(key) would.
    data = scratch;
    length = encoder.encodeInto(key, scratch).written;
  } else {
    data = typeof key === 'string' ? Buffer.from(key) : key;
    length = data.length;
  }
  let h = SEED ^ length;
  const whole = length - (length % 4);
  for (let index = 0; index < whole; index += 4) {
    let k =
      (data[index] ?? 0) |
      ((data[index + 1] ?? 0) << 8) |
      ((data[index + 2] ?? 0) << 16) |
      ((data[index + 3] ?? 0) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length - whole;
  if (tail > 0) {
    if (tail === 3) h ^= (data[whole + 2] ?? 0) << 16;
    if (tail >= 2) h ^= (data[whole + 1] ?? 0) << 8;
    h ^= data[whole] ?? 0;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
