import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

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
  /** The payload without its personal fields. */
  readonly payload: unknown;
  readonly subjectRef: string | null;
  readonly keyId: string | null;
  /** The encrypted personal fields, exactly as stored. */
  readonly personalData: Buffer | null;
}

/** `sha256(prev_hash || canonical(entry))`. */
export function chainHash(previous: Buffer, entry: ChainEntry): Buffer {
  const canonical = canonicalJson({ ...entry, personalData: entry.personalData ? entry.personalData.toString('base64') : null });
  return createHash('sha256').update(previous).update(canonical, 'utf8').digest();
}
