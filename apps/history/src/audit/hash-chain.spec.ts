import { createHash } from 'node:crypto';
import { Topics, topicSpec } from '#contracts';
import { canonicalEntry, canonicalTail, chainHash, chainHashOfTail, GENESIS_HASH } from './hash-chain.js';
import type { ChainEntry } from './hash-chain.js';

const entry: ChainEntry = {
  seq: '7',
  ceId: 'e-1',
  ticketId: 't-1',
  topic: Topics.ticketsRouted,
  type: topicSpec(Topics.ticketsRouted).eventType,
  source: '/support/routing',
  occurredAt: '2026-11-25T10:00:00.000Z',
  recordedAt: '2026-11-25T10:00:01.000Z',
  partition: 2,
  offset: '41',
  payloadJson: '{"queue":"psm","reason":"chat \\"PSM\\""}',
  subjectRef: null,
  keyId: null,
  personalData: Buffer.from('ab'),
};

describe(canonicalEntry.name, () => {
  it('is the JSON array of the fields in their fixed order with the stored payload text last, as chains already stored were hashed', () => {
    const sut = canonicalEntry(entry);

    expect(sut).toBe(
      `["7","e-1","t-1","${entry.topic}","${entry.type}","/support/routing","2026-11-25T10:00:00.000Z",` +
        '"2026-11-25T10:00:01.000Z",2,"41",null,null,"YWI=",{"queue":"psm","reason":"chat \\"PSM\\""}]',
    );
    expect(JSON.parse(sut)).toHaveLength(14);
  });

  it('gives the same hash whether built from the entry or from its tail prepared before the sequence number was known', () => {
    const { seq, ...unnumbered } = entry;

    const sut = chainHashOfTail(GENESIS_HASH, seq, canonicalTail(unnumbered));

    expect(sut.equals(chainHash(GENESIS_HASH, entry))).toBe(true);
    expect(sut.equals(createHash('sha256').update(GENESIS_HASH).update(canonicalEntry(entry), 'utf8').digest())).toBe(
      true,
    );
  });
});
