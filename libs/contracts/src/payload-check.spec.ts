import { IsNotEmptyObject, IsString, ValidateIf } from 'class-validator';
import fc from 'fast-check';
import {
  lifecycleEvent,
  phoneDeskAlert,
  routedTicket,
  subjectErased,
  submittedTicket,
  ticketMessage,
  upstreamRequest,
} from '#testing';
import { payloadCheck } from './payload-check.js';
import { TOPIC_PAYLOAD_CLASSES } from './topic-payloads.js';
import { Topics } from './topics.js';
import { checkPayload, validatePayload, validateWithClassValidator } from './validation.js';

type PayloadClass = new () => object;

/** One valid payload per contract topic, as its producer writes it, after a JSON round trip (as consumed). */
function validSamples(): [string, PayloadClass, Record<string, unknown>][] {
  const ticket = submittedTicket({ channel: 'form', requestType: 'access_problem', urgency: 'critical' });
  const routed = routedTicket({ ticketId: ticket.ticketId });
  const samples: Record<string, unknown> = {
    [Topics.requests]: upstreamRequest({ channel: 'form', requestType: 'bug', allowWorkspaceTesting: false }),
    [Topics.requestsRejected]: {
      requestId: null,
      errors: [{ field: 'message', code: 'isNotEmpty', message: 'message should not be empty' }],
      rawValue: '{"message":""}',
      sourceTopic: Topics.requests,
      sourcePartition: '2',
      sourceOffset: '41',
      rejectedAt: '2026-11-29T08:00:00.000Z',
    },
    [Topics.ticketsSubmitted]: ticket,
    [Topics.ticketsRouted]: routed,
    [Topics.queueSupport]: {
      ticketId: ticket.ticketId,
      reference: ticket.reference,
      queue: 'support',
      assignee: null,
      priority: 'P1',
      slaDueAt: '2026-11-29T09:00:00.000Z',
      ruleId: 'urgent-access',
      reason: 'urgent access problem',
      ticket,
    },
    [Topics.queuePsm]: {
      ticketId: ticket.ticketId,
      reference: ticket.reference,
      queue: 'psm',
      assignee: 'psm-7',
      priority: 'P3',
      slaDueAt: '2026-11-30T09:00:00.000Z',
      ruleId: 'chat-to-psm',
      reason: 'chat question, dedicated PSM',
      ticket: { ...ticket, channel: 'chat', requestType: null, subject: null, workspaceTesting: null },
    },
    [Topics.alertsPhoneDesk]: phoneDeskAlert({ ticketId: ticket.ticketId }),
    [Topics.ticketsLifecycle]: lifecycleEvent({ ticketId: ticket.ticketId }),
    [Topics.notifications]: {
      notificationId: 'n-1',
      ticketId: ticket.ticketId,
      audience: 'requester',
      channel: 'email',
      outcome: 'sent',
      attempt: 1,
      at: '2026-11-29T08:00:01.000Z',
      error: null,
    },
    [Topics.psmAssignments]: { orgId: 'org-1', psmId: 'psm-7' },
    [Topics.subjectsErased]: subjectErased(),
    [Topics.ticketsMessages]: ticketMessage({ ticketId: ticket.ticketId }),
    [Topics.agents]: {
      agentId: 'agent-3',
      status: 'online',
      queues: ['support', 'psm'],
      capacity: 5,
      locales: ['fr', 'en'],
      updatedAt: '2026-11-29T08:00:00.000Z',
    },
    [Topics.personalDataAccessed]: {
      accessId: 'access-1',
      ticketId: ticket.ticketId,
      actor: 'agent-3',
      purpose: 'desk.ticket',
      at: '2026-11-29T08:00:02.000Z',
    },
  };
  return Object.entries(samples).flatMap(([topic, sample]) => {
    const type = TOPIC_PAYLOAD_CLASSES[topic as keyof typeof TOPIC_PAYLOAD_CLASSES] as PayloadClass | undefined;
    return type
      ? [
          [topic, type, JSON.parse(JSON.stringify(sample)) as Record<string, unknown>] as [
            string,
            PayloadClass,
            Record<string, unknown>,
          ],
        ]
      : [];
  });
}

const SAMPLES = validSamples();

/** Every path to a value in the sample, nested objects and array items included. */
function paths(value: unknown, prefix: readonly (string | number)[] = []): (readonly (string | number)[])[] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, item]) => paths(item, [...prefix, key]))];
}

const DELETE = Symbol('delete');

function hasNonObjectArrayItem(value: unknown): boolean {
  // A deleted item leaves a hole, which class-validator skips.
  if (Array.isArray(value))
    return Array.from(value).some(
      (item) => item === null || typeof item !== 'object' || Array.isArray(item) || hasNonObjectArrayItem(item),
    );
  if (value !== null && typeof value === 'object')
    return Object.values(value).some((item) => hasNonObjectArrayItem(item));
  return false;
}

/** Values a broken or hostile producer could put anywhere; JSON-expressible, plus the absence of the field. */
const replacement = fc.oneof(
  fc.constant(DELETE),
  fc.constant(null),
  fc.constant(''),
  fc.constant(' '),
  fc.constantFrom(
    'form',
    'chat',
    'email',
    'phone',
    'bug',
    'access_problem',
    'critical',
    'P1',
    'support',
    'psm',
    'sent',
    'requester',
    'fr',
    'en',
  ),
  fc.constantFrom(
    '2026-11-29T08:00:00.000Z',
    '2026-11-29',
    'not a date',
    'someone@example.org',
    'not-an-email',
    '\u{1F510}',
    'a'.repeat(5001),
  ),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -3, max: 3 }),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.dictionary(
    fc.constantFrom('field', 'code', 'message', 'granted', 'x'),
    fc.oneof(fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null)),
    {
      maxKeys: 3,
    },
  ),
);

function mutate(
  sample: Record<string, unknown>,
  path: readonly (string | number)[],
  value: unknown,
  extraKey: string | null,
): unknown {
  const copy = structuredClone(sample);
  if (path.length === 0) return value === DELETE ? {} : value;
  let parent: unknown = copy;
  for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
  const last = path[path.length - 1] as string | number;
  const container = parent as Record<string | number, unknown>;
  if (value === DELETE) delete container[last];
  else container[last] = value;
  if (extraKey !== null && typeof parent === 'object' && parent !== null && !Array.isArray(parent))
    container[extraKey] = 'extra';
  return copy;
}

const mutation = fc.constantFrom(...SAMPLES).chain(([topic, type, sample]) =>
  fc.record({
    topic: fc.constant(topic),
    type: fc.constant(type),
    candidate: fc
      .tuple(
        fc.constantFrom(...paths(sample)),
        replacement,
        fc.option(fc.constantFrom('extra', 'ticketId', 'channel', 'field'), { freq: 4 }),
      )
      .map(([path, value, extraKey]) => mutate(sample, path, value, extraKey)),
  }),
);

describe('payload check', () => {
  it.each(SAMPLES.map(([topic, type, sample]) => [topic, type, sample] as const))(
    'says valid for a valid %s payload, without building instances',
    (_topic, type, sample) => {
      expect(payloadCheck(type)(sample)).toBe(true);

      const sut = checkPayload(type, sample);

      expect(sut).toEqual({ ok: true, value: sample });
      expect(Object.getPrototypeOf((sut as { value: object }).value)).toBe(Object.prototype);
    },
  );

  it('covers every contract topic that carries a payload class', () => {
    expect(SAMPLES.map(([topic]) => topic).sort()).toEqual(Object.keys(TOPIC_PAYLOAD_CLASSES).sort());
  });

  it('gives the verdict of the full class-validator validation on mutated payloads of every topic', () => {
    const verdicts = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(mutation, ({ type, candidate }) => {
        const expected =
          candidate !== null &&
          typeof candidate === 'object' &&
          !Array.isArray(candidate) &&
          validatePayload(type, candidate).ok;
        const full =
          candidate !== null &&
          typeof candidate === 'object' &&
          !Array.isArray(candidate) &&
          validateWithClassValidator(type, candidate).ok;

        const sut = checkPayload(type, candidate);

        expect(sut.ok).toBe(expected);
        // validatePayload's structural checks come first; where they pass, the fast answer is class-validator's.
        if (payloadCheck(type)(candidate)) expect(full).toBe(true);
        verdicts[sut.ok ? 'valid' : 'invalid'] += 1;
      }),
      { numRuns: 10_000 },
    );
    // Both answers were exercised, not only one of them.
    expect(verdicts.valid).toBeGreaterThan(500);
    expect(verdicts.invalid).toBeGreaterThan(500);
  });

  it('agrees with class-validator except on array items that are not objects, which it leaves to it', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mutation, ({ type, candidate }) => {
        fc.pre(
          candidate !== null &&
            typeof candidate === 'object' &&
            !Array.isArray(candidate) &&
            !hasNonObjectArrayItem(candidate),
        );
        const full = validateWithClassValidator(type, candidate).ok;

        const sut = payloadCheck(type)(candidate);

        expect(sut).toBe(full);
        if (sut) accepted += 1;
      }),
      { numRuns: 10_000 },
    );
    expect(accepted).toBeGreaterThan(500);
    // What class-validator accepts there: an empty array in place of a nested item.
    const [, rejectedType, rejected] = SAMPLES.find(([topic]) => topic === Topics.requestsRejected) ?? [];
    if (!rejectedType || !rejected) throw new Error('no rejected sample');
    expect(validateWithClassValidator(rejectedType, { ...rejected, errors: [[]] }).ok).toBe(true);
    expect(payloadCheck(rejectedType)({ ...rejected, errors: [[]] })).toBe(false);
    expect(validateWithClassValidator(rejectedType, { ...rejected, errors: [null] }).ok).toBe(false);
  });

  it('reports the same errors as before for an invalid payload', () => {
    const [, type, sample] = SAMPLES.find(([topic]) => topic === Topics.ticketsSubmitted) ?? [];
    if (!type || !sample) throw new Error('no submitted ticket sample');

    const sut = checkPayload(type, { ...sample, urgency: 'urgent', extra: 1 });

    expect(sut).toEqual(validateWithClassValidator(type, { ...sample, urgency: 'urgent', extra: 1 }));
    expect(sut.ok).toBe(false);
  });

  it('leaves to class-validator a free-form object, which class-transformer rebuilds, and a condition that throws on a plain object', () => {
    class WithMetadata {
      @IsNotEmptyObject()
      meta!: Record<string, unknown>;
    }
    class WithMethodCondition {
      @IsString()
      kind!: string;

      @ValidateIf((value: WithMethodCondition) => value.isNote())
      @IsString()
      note?: string;

      isNote(): boolean {
        return this.kind === 'note';
      }
    }
    // class-transformer drops keys named like Object.prototype members: the full validation refuses this.
    const rebuilt = { meta: JSON.parse('{"toString":"x"}') as unknown };

    expect(payloadCheck(WithMetadata)(rebuilt)).toBe(false);
    expect(checkPayload(WithMetadata, rebuilt).ok).toBe(validateWithClassValidator(WithMetadata, rebuilt).ok);
    expect(() => payloadCheck(WithMethodCondition)({ kind: 'note', note: 'n' })).not.toThrow();
    expect(payloadCheck(WithMethodCondition)({ kind: 'note', note: 'n' })).toBe(false);
    expect(checkPayload(WithMethodCondition, { kind: 'note', note: 'n' }).ok).toBe(true);
  });

  it('refuses a nested object that is missing or is an array, and an errors list that is not an array', () => {
    const sample = (topic: string): [PayloadClass, Record<string, unknown>] => {
      const [, type, value] = SAMPLES.find(([name]) => name === topic) ?? [];
      if (!type || !value) throw new Error(`no sample for ${topic}`);
      return [type, value];
    };
    const [submittedType, submitted] = sample(Topics.ticketsSubmitted);
    const [queuedType, queued] = sample(Topics.queueSupport);
    const [rejectedType, rejected] = sample(Topics.requestsRejected);
    const broken: [PayloadClass, Record<string, unknown>][] = [
      [submittedType, { ...submitted, requester: undefined }],
      [submittedType, { ...submitted, requester: [] }],
      [submittedType, { ...submitted, workspaceTesting: [] }],
      [queuedType, { ...queued, ticket: undefined }],
      [queuedType, { ...queued, ticket: [submitted] }],
      [rejectedType, { ...rejected, errors: undefined }],
      [rejectedType, { ...rejected, errors: { field: 'a', code: 'b', message: 'c' } }],
    ];

    for (const [type, value] of broken) {
      expect(checkPayload(type, value).ok).toBe(false);
      expect(validateWithClassValidator(type, value).ok).toBe(false);
    }
  });
});
