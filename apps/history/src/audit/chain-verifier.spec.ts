import { randomUUID } from 'node:crypto';
import { Topics, topicSpec } from '#contracts';
import { chainHash, GENESIS_HASH } from './hash-chain.js';
import { toChainEntry, verifyChain } from './chain-verifier.js';
import type { ChainRow } from './audit.repository.js';

function chain(length: number): ChainRow[] {
  const rows: ChainRow[] = [];
  let previous: Buffer = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq += 1) {
    const row: ChainRow = {
      seq: String(seq),
      ce_id: randomUUID(),
      ticket_id: `ticket-${seq}`,
      topic: Topics.ticketsLifecycle,
      type: topicSpec(Topics.ticketsLifecycle).eventType,
      source: '/test',
      occurred_at: new Date(Date.UTC(2026, 10, 25, 10, 0, seq)),
      recorded_at: new Date(Date.UTC(2026, 10, 25, 10, 1, seq)),
      kafka_partition: 0,
      kafka_offset: String(seq * 10),
      payload_text: '{"event":"claimed","at":"2026-11-25T10:00:00.000Z"}',
      subject_ref: null,
      key_id: null,
      personal_data: null,
      prev_hash: previous,
      hash: Buffer.alloc(0),
    };
    row.hash = chainHash(previous, toChainEntry(row));
    previous = row.hash;
    rows.push(row);
  }
  return rows;
}

async function* pages(rows: readonly ChainRow[], size = 2): AsyncGenerator<readonly ChainRow[]> {
  for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size);
}

function headOf(rows: readonly ChainRow[]): { lastSeq: bigint; lastHash: Buffer } {
  const last = rows[rows.length - 1];
  return { lastSeq: BigInt(rows.length), lastHash: last ? last.hash : GENESIS_HASH };
}

describe(verifyChain.name, () => {
  it('accepts an intact chain across pages and reports the head', async () => {
    const rows = chain(5);
    const sut = await verifyChain(headOf(rows), pages(rows));
    expect(sut).toEqual({ ok: true, checked: 5, headSeq: '5', headHash: rows[4]?.hash.toString('hex') });
  });

  it('notices a change of spacing or key order in the stored payload text', async () => {
    const rows = chain(3);
    const respaced = rows.map((row) =>
      row.seq === '2' ? { ...row, payload_text: row.payload_text.replace(':', ': ') } : row,
    );
    const sut = await verifyChain(headOf(rows), pages(respaced));
    expect(sut).toMatchObject({ ok: false, firstBroken: { seq: '2', problem: 'content-changed' } });
  });

  it('accepts an empty chain whose head is the genesis', async () => {
    const sut = await verifyChain({ lastSeq: 0n, lastHash: GENESIS_HASH }, pages([]));
    expect(sut.ok).toBe(true);
  });

  it('names an entry whose content was edited', async () => {
    const rows = chain(5);
    const edited = rows.map((row) =>
      row.seq === '3' ? { ...row, payload_text: row.payload_text.replace('claimed', 'resolved') } : row,
    );
    const sut = await verifyChain(headOf(rows), pages(edited));
    expect(sut).toMatchObject({
      ok: false,
      checked: 2,
      firstBroken: { seq: '3', ceId: rows[2]?.ce_id, problem: 'content-changed' },
    });
  });

  it('names the first missing entry when one in the middle was deleted', async () => {
    const rows = chain(5);
    const sut = await verifyChain(headOf(rows), pages(rows.filter((row) => row.seq !== '3')));
    expect(sut).toMatchObject({ ok: false, firstBroken: { seq: '3', problem: 'missing-entry' } });
  });

  it('names an entry rewritten with a fresh hash, which no longer links to the one before', async () => {
    const rows = chain(4);
    const forged = { ...rows[1], payload_text: '{"event":"reopened"}', prev_hash: Buffer.alloc(32, 7) } as ChainRow;
    forged.hash = chainHash(forged.prev_hash, toChainEntry(forged));
    const sut = await verifyChain(headOf(rows), pages([rows[0] as ChainRow, forged, ...rows.slice(2)]));
    expect(sut).toMatchObject({ ok: false, firstBroken: { seq: '2', problem: 'link-broken' } });
  });

  it('notices entries cut off the end, and a head that does not match the last entry', async () => {
    const rows = chain(4);
    const truncated = await verifyChain(headOf(rows), pages(rows.slice(0, 3)));
    const wrongHead = await verifyChain({ lastSeq: 4n, lastHash: Buffer.alloc(32, 1) }, pages(rows));
    expect(truncated).toMatchObject({ ok: false, firstBroken: { seq: '4', problem: 'missing-entry' } });
    expect(wrongHead).toMatchObject({ ok: false, firstBroken: { seq: '4', problem: 'head-mismatch' } });
  });
});
