import fc from 'fast-check';
import { CHANNELS, LOCALES, REQUEST_TYPES, TicketSubmittedPayload, URGENCIES, validatePayload } from '#contracts';
import { submittedTicket } from '#testing';
import { isPlainlyValidTicket } from './submitted-ticket.precheck.js';

const KEYS = [
  'ticketId',
  'reference',
  'requestId',
  'channel',
  'requestType',
  'subject',
  'message',
  'urgency',
  'locale',
  'workspaceTesting',
  'requester',
  'receivedAt',
];

/** Values a field may take: the valid ones and plenty of near misses. */
const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...CHANNELS, ...REQUEST_TYPES, ...URGENCIES, ...LOCALES, 'Form', 'urgent', 'de', ''),
  fc.constantFrom(null, undefined, true, false, 0, 1, [], {}, ['chat']),
  fc.constantFrom(
    '2026-11-25T10:00:00.000Z',
    '2026-11-25T10:00:00Z',
    '2026-11-25T10:00:00+01:00',
    '2026-11-25',
    '2026-13-25T10:00:00Z',
    '2026-11-25T24:00:00Z',
    '2026-11-25 10:00:00Z',
    'yesterday',
  ),
  fc.constantFrom('\uFE0F', '\uD83D', '\uD83D\uDE00', 'a\uFE0F', ' ', 'x'.repeat(200), 'x'.repeat(201), 'x'.repeat(10_000), 'x'.repeat(10_001)),
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 5 }),
  fc.record(
    { userId: fc.option(fc.string()), orgId: fc.option(fc.string()), email: fc.option(fc.string()), name: fc.option(fc.string()) },
    { requiredKeys: [] },
  ),
  fc.record(
    { granted: fc.oneof(fc.boolean(), fc.constant('yes')), grantedBy: fc.oneof(fc.string(), fc.constant(null)), recordedAt: fc.string() },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

/** A valid ticket with a few fields replaced, removed or added. */
const mutatedTicket: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.constantFrom(...CHANNELS),
    fc.array(fc.tuple(fc.constantFrom(...KEYS, 'extra', '__proto__', 'constructor'), fc.oneof(fieldValue, fc.constant(Symbol.for('delete')))), {
      maxLength: 3,
    }),
  )
  .map(([channel, mutations]) => {
    const ticket: Record<string, unknown> = { ...submittedTicket({ channel }) };
    for (const [key, value] of mutations) {
      if (value === Symbol.for('delete')) delete ticket[key];
      else Object.defineProperty(ticket, key, { value, enumerable: true, configurable: true, writable: true });
    }
    return ticket;
  });

describe(isPlainlyValidTicket.name, () => {
  it('never accepts what the contract validation refuses', () => {
    fc.assert(
      fc.property(mutatedTicket, (candidate) => {
        fc.pre(isPlainlyValidTicket(candidate));
        expect(validatePayload(TicketSubmittedPayload, candidate).ok).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('never accepts what the contract validation refuses, after a JSON round trip (as consumed from Kafka)', () => {
    fc.assert(
      fc.property(mutatedTicket, (candidate) => {
        const consumed: unknown = JSON.parse(JSON.stringify(candidate) ?? 'null');
        fc.pre(isPlainlyValidTicket(consumed));
        expect(validatePayload(TicketSubmittedPayload, consumed).ok).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['chat', { channel: 'chat', requestType: null, subject: null, workspaceTesting: null }],
    ['form', { channel: 'form', requestType: 'access_problem', urgency: 'critical' }],
    ['phone', { channel: 'phone', requestType: null, message: 'Connexion impossible, compte bloqué', urgency: 'high' }],
    ['email without an account', { channel: 'email', requestType: null, requester: { userId: null, orgId: null, email: 'a@example.org', name: null } }],
  ] as const)('accepts the tickets intake publishes (%s), so routing takes the fast path', (_name, overrides) => {
    const ticket: unknown = JSON.parse(JSON.stringify(submittedTicket(overrides)));

    expect(isPlainlyValidTicket(ticket)).toBe(true);
  });

  it('leaves a ticket with an unknown field, a missing field or a bad enum to the contract validation', () => {
    const valid = submittedTicket();

    expect(isPlainlyValidTicket({ ...valid, extra: 1 })).toBe(false);
    expect(isPlainlyValidTicket({ ...valid, receivedAt: undefined })).toBe(false);
    expect(isPlainlyValidTicket({ ...valid, urgency: 'urgent' })).toBe(false);
    expect(isPlainlyValidTicket({ ...valid, requester: { ...valid.requester, phone: '+33' } })).toBe(false);
  });
});
