import { randomUUID } from 'node:crypto';
import { deterministicUuid, ticketReference } from './ids.js';

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const REFERENCE = /^SR-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/;

describe(deterministicUuid.name, () => {
  it('gives the same id for the same inputs', () => {
    const ticketId = randomUUID();

    const sut = deterministicUuid('notification', ticketId, 'routed', 'requester');

    expect(deterministicUuid('notification', ticketId, 'routed', 'requester')).toBe(sut);
  });

  it('gives the ids it gave in earlier releases, so a redelivered event keeps its id across an upgrade', () => {
    expect(deterministicUuid('ticket.routed', 'abc-123')).toBe('4eba677b-2ae0-8e76-81c6-cbc920a469d8');
    expect(ticketReference('abc-123')).toBe('SR-D73F-LMUL');
  });

  test.each([
    { name: 'another namespace', other: ['alert', 't-1', 'routed'] },
    { name: 'another first name', other: ['notification', 't-2', 'routed'] },
    { name: 'another last name', other: ['notification', 't-1', 'alert'] },
    { name: 'one name fewer', other: ['notification', 't-1'] },
    { name: 'one name more', other: ['notification', 't-1', 'routed', 'requester'] },
    { name: 'the names swapped', other: ['notification', 'routed', 't-1'] },
    { name: 'the namespace and a name swapped', other: ['t-1', 'notification', 'routed'] },
  ])('gives a different id for $name', ({ other }) => {
    const [namespace = '', ...names] = other;

    const sut = deterministicUuid(namespace, ...names);

    expect(sut).not.toBe(deterministicUuid('notification', 't-1', 'routed'));
  });

  test.each([
    { left: ['ns', 'a', 'bc'], right: ['ns', 'ab', 'c'] },
    { left: ['ns', 'abc'], right: ['ns', 'ab', 'c'] },
    { left: ['nsa', 'b'], right: ['ns', 'ab'] },
    { left: ['ns', 'a'], right: ['n', 'sa'] },
  ])('keeps the parts apart: $left differs from $right', ({ left, right }) => {
    const [leftNamespace = '', ...leftNames] = left;
    const [rightNamespace = '', ...rightNames] = right;

    const sut = deterministicUuid(leftNamespace, ...leftNames);

    expect(sut).not.toBe(deterministicUuid(rightNamespace, ...rightNames));
  });

  test.each([
    ['notification', 't-1', 'routed', 'requester'],
    ['ticket', 'req-42'],
    ['', ''],
    ['unicode', 'é', '🎫'],
  ])('is a lower-case RFC 9562 version 8 UUID with the RFC variant for %j', (namespace, ...names) => {
    const sut = deterministicUuid(namespace, ...names);

    expect(sut).toMatch(UUID_V8);
    const bytes = Buffer.from(sut.replaceAll('-', ''), 'hex');
    expect((bytes[6] ?? 0) >> 4).toBe(0b1000);
    expect((bytes[8] ?? 0) >> 6).toBe(0b10);
  });

  it('spreads the remaining bits: 1,000 names give 1,000 distinct ids', () => {
    const ids = new Set(Array.from({ length: 1_000 }, (_, index) => deterministicUuid('spread', String(index))));

    expect(ids.size).toBe(1_000);
  });
});

describe(ticketReference.name, () => {
  it('is formatted SR-XXXX-XXXX from the unambiguous alphabet', () => {
    const sut = ticketReference(randomUUID());

    expect(sut).toMatch(REFERENCE);
  });

  it('is stable for the same ticket id', () => {
    const ticketId = randomUUID();

    const sut = ticketReference(ticketId);

    expect(ticketReference(ticketId)).toBe(sut);
  });

  it('differs between ticket ids', () => {
    const sut = ticketReference('00000000-0000-4000-8000-000000000001');

    expect(sut).not.toBe(ticketReference('00000000-0000-4000-8000-000000000002'));
  });

  it('has no collision among 20,000 random ticket ids and always matches the format', () => {
    const references = new Set<string>();
    const malformed: string[] = [];
    for (let index = 0; index < 20_000; index += 1) {
      const reference = ticketReference(randomUUID());
      if (!REFERENCE.test(reference)) malformed.push(reference);
      references.add(reference);
    }

    expect(malformed).toEqual([]);
    expect(references.size).toBe(20_000);
  });

  it('uses the whole alphabet in every position (no position stuck on a padding character)', () => {
    const seen = Array.from({ length: 8 }, () => new Set<string>());
    for (let index = 0; index < 2_000; index += 1) {
      const characters = ticketReference(randomUUID()).replaceAll('-', '').slice(2);
      [...characters].forEach((character, position) => seen[position]?.add(character));
    }

    expect(seen.map((characters) => characters.size)).toEqual(Array.from({ length: 8 }, () => 32));
  });
});
