import { hash } from 'node:crypto';

/**
 * A UUID (version 8, RFC 9562 "custom") derived from a namespace and a name. The same inputs give
 * the same id, so a redelivered or duplicated input produces the same output event id and the
 * consumers' `ce_id` deduplication absorbs it.
 */
export function deterministicUuid(namespace: string, ...names: readonly string[]): string {
  // One-shot hashing: a Hash object per id was a visible cost where every event derives ids.
  const bytes = hash('sha256', `${namespace}\u0000${names.join('\u0000')}`, 'buffer');
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const REFERENCE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/**
 * Human-friendly ticket reference such as `SR-7K4Q-M2XD`, derived from the ticket id: no lookup
 * table, and the same ticket always shows the same reference. 40 bits of the id make collisions
 * between two live tickets negligible.
 */
export function ticketReference(ticketId: string): string {
  const digest = hash('sha256', ticketId, 'buffer');
  let value = 0n;
  for (let index = 0; index < 5; index += 1) value = (value << 8n) | BigInt(digest[index] ?? 0);
  let text = '';
  for (let index = 0; index < 8; index += 1) {
    text = (REFERENCE_ALPHABET[Number(value % 32n)] ?? '2') + text;
    value /= 32n;
  }
  return `SR-${text.slice(0, 4)}-${text.slice(4)}`;
}
