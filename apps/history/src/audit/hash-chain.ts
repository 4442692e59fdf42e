import { createHash } from 'node:crypto';

/** The hash before the first entry. */
export const GENESIS_HASH = Buffer.alloc(32);

/** Everything about a stored event that the chain vouches for, in the form it is stored. */
export interface ChainEntry {
  readonly seq: string;
  readonly ceId: string;
  readonly ticketId: string | null;
  readonly topic: string;
  readonly type: string;
  readonly source: string | null;
  /** ISO-8601 with milliseconds, as read back from timestamptz. */
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly partition: number;
  readonly offset: string;
  /** The payload without its personal fields: the exact JSON text stored (a `json` column keeps it byte for byte). */
  readonly payloadJson: string;
  readonly subjectRef: string | null;
  readonly keyId: string | null;
  /** The encrypted personal fields, exactly as stored. */
  readonly personalData: Buffer | null;
}

/**
 * The canonical form of an entry: a JSON array of its fields in a fixed order, the stored payload
 * text last. Unambiguous (JSON quoting), and cheap to rebuild from a row: nothing to sort.
 */
export function canonicalEntry(entry: ChainEntry): string {
  return canonicalForm(entry.seq, canonicalTail(entry));
}

/**
 * The canonical form after the sequence number: everything an append knows before it takes the
 * chain lock, so that under the lock only the sequence number and the hash are left to compute.
 */
export function canonicalTail(entry: Omit<ChainEntry, 'seq'>): string {
  const fields = [
    entry.ceId,
    entry.ticketId,
    entry.topic,
    entry.type,
    entry.source,
    entry.occurredAt,
    entry.recordedAt,
    entry.partition,
    entry.offset,
    entry.subjectRef,
    entry.keyId,
    entry.personalData ? entry.personalData.toString('base64') : null,
  ];
  return `,${JSON.stringify(fields).slice(1, -1)},${entry.payloadJson}]`;
}

function canonicalForm(seq: string, tail: string): string {
  return `[${JSON.stringify(seq)}${tail}`;
}

/** `sha256(prev_hash || canonical(entry))`. */
export function chainHash(previous: Buffer, entry: ChainEntry): Buffer {
  return chainHashOfTail(previous, entry.seq, canonicalTail(entry));
}

/** `chainHash` from the entry's `canonicalTail`, computed beforehand. */
export function chainHashOfTail(previous: Buffer, seq: string, tail: string): Buffer {
  return createHash('sha256').update(previous).update(canonicalForm(seq, tail), 'utf8').digest();
}
