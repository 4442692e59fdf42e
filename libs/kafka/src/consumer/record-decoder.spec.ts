import type { KafkaMessage } from 'kafkajs';
import { Topics } from '#contracts';
import { submittedTicket } from '#testing';
import { decodeRecord } from './record-decoder.js';

function message(value: string | null): KafkaMessage {
  return {
    key: null,
    value: value === null ? null : Buffer.from(value),
    headers: {},
    offset: '7',
    timestamp: '1764500000000',
    attributes: 0,
  };
}

describe(decodeRecord.name, () => {
  it('hands a contract handler the value checked against its topic’s payload class', () => {
    const ticket = submittedTicket();

    const sut = decodeRecord(Topics.ticketsSubmitted, 2, message(JSON.stringify(ticket)), { contract: true });

    expect(sut).toMatchObject({ event: { topic: Topics.ticketsSubmitted, partition: 2, offset: '7', value: ticket } });
  });

  it('hands over a tombstone where the contract says a null value removes its key, and refuses one elsewhere', () => {
    const removed = decodeRecord(Topics.agents, 1, message(null), { contract: true, batch: true });
    const unassigned = decodeRecord(Topics.psmAssignments, 1, message(null), { contract: true });
    const refused = decodeRecord(Topics.ticketsSubmitted, 1, message(null), { contract: true });
    const neverTakenBack = decodeRecord(Topics.subjectsErased, 1, message(null), { contract: true });

    expect(removed).toMatchObject({ event: { topic: Topics.agents, value: null } });
    expect(unassigned).toMatchObject({ event: { topic: Topics.psmAssignments, value: null } });
    expect(refused).toMatchObject({ unreadable: { code: 'INVALID_EVENT' } });
    expect(neverTakenBack).toMatchObject({ unreadable: { code: 'INVALID_EVENT' } });
  });

  it('makes an invalid payload unreadable, with every reason and no value in them', () => {
    const sut = decodeRecord(
      Topics.ticketsSubmitted,
      0,
      message(JSON.stringify({ ticketId: 'x', message: 'Jean Dupont' })),
      { contract: true },
    );

    expect(sut).toMatchObject({ unreadable: { code: 'INVALID_EVENT' } });
    const reason = 'unreadable' in sut ? sut.unreadable.message : '';
    expect(reason).toContain('reference');
    expect(reason).not.toContain('Jean');
  });

  test.each([
    ['text that is not JSON', message('{"name": Jean'), 'INVALID_JSON'],
    ['a record without a value', message(null), 'INVALID_EVENT'],
  ])('makes %s unreadable for a contract handler', (_name, record, code) => {
    expect(decodeRecord(Topics.ticketsSubmitted, 0, record, { contract: true })).toMatchObject({
      unreadable: { code },
    });
  });

  it('hands a raw-value handler the text as it came, JSON or not', () => {
    expect(decodeRecord(Topics.requests, 0, message('not json'), { rawValue: true })).toMatchObject({
      event: { value: 'not json' },
    });
  });

  it('refuses a topic outside the contract for a contract handler', () => {
    expect(() => decodeRecord('some.other.topic', 0, message('{}'), { contract: true })).toThrow(
      /not a contract topic/,
    );
  });
});
