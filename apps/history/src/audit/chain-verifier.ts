import { chainHash, GENESIS_HASH } from './hash-chain.js';
import type { ChainEntry } from './hash-chain.js';
import type { ChainRow } from './audit.repository.js';
import type { ChainHead } from '../recording/history.repository.js';

export type ChainProblem = 'missing-entry' | 'content-changed' | 'link-broken' | 'head-mismatch';

export interface BrokenEntry {
  readonly seq: string;
  readonly ceId: string | null;
  readonly problem: ChainProblem;
  readonly detail: string;
}

export type VerifyOutcome =
  | { readonly ok: true; readonly checked: number; readonly headSeq: string; readonly headHash: string }
  | { readonly ok: false; readonly checked: number; readonly headSeq: string; readonly firstBroken: BrokenEntry };

export function toChainEntry(row: ChainRow): ChainEntry {
  return {
    seq: String(row.seq),
    ceId: row.ce_id,
    ticketId: row.ticket_id,
    topic: row.topic,
    type: row.type,
    source: row.source,
    occurredAt: row.occurred_at.toISOString(),
    recordedAt: row.recorded_at.toISOString(),
    partition: row.kafka_partition,
    offset: String(row.kafka_offset),
    payloadJson: row.payload_text,
    subjectRef: row.subject_ref,
    keyId: row.key_id,
    personalData: row.personal_data,
  };
}

/**
 * Walks the chain from the first entry to the head: every seq present, every entry's stored
 * form giving its hash, every entry pointing at the hash of the one before, and the head naming
 * the last. Stops at the first problem.
 */
export async function verifyChain(head: ChainHead, pages: AsyncIterable<readonly ChainRow[]>): Promise<VerifyOutcome> {
  let previous: Buffer = GENESIS_HASH;
  let expected = 1n;
  let checked = 0;
  const broken = (firstBroken: BrokenEntry): VerifyOutcome => ({
    ok: false,
    checked,
    headSeq: head.lastSeq.toString(),
    firstBroken,
  });
  for await (const page of pages) {
    for (const row of page) {
      const seq = BigInt(row.seq);
      if (seq !== expected) {
        return broken({
          seq: expected.toString(),
          ceId: null,
          problem: 'missing-entry',
          detail: `entries ${expected} to ${seq - 1n} are missing`,
        });
      }
      if (!chainHash(row.prev_hash, toChainEntry(row)).equals(row.hash)) {
        return broken({
          seq: row.seq,
          ceId: row.ce_id,
          problem: 'content-changed',
          detail: 'the stored entry does not give its recorded hash',
        });
      }
      if (!row.prev_hash.equals(previous)) {
        return broken({
          seq: row.seq,
          ceId: row.ce_id,
          problem: 'link-broken',
          detail: 'the entry does not point at the hash of the entry before it',
        });
      }
      previous = row.hash;
      expected += 1n;
      checked += 1;
    }
  }
  if (expected - 1n !== head.lastSeq) {
    return broken({
      seq: expected.toString(),
      ceId: null,
      problem: 'missing-entry',
      detail: `the head names entry ${head.lastSeq}, the chain ends at ${expected - 1n}`,
    });
  }
  if (!previous.equals(head.lastHash)) {
    return broken({
      seq: head.lastSeq.toString(),
      ceId: null,
      problem: 'head-mismatch',
      detail: 'the head hash is not the hash of the last entry',
    });
  }
  return { ok: true, checked, headSeq: head.lastSeq.toString(), headHash: previous.toString('hex') };
}
