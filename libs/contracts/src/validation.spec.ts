import { submittedTicket, upstreamRequest } from '#testing';
import { MAX_NESTING_DEPTH, parseJson, validatePayload, withoutNulls } from './validation.js';
import type { FieldError, ValidationResult } from './validation.js';
import { MESSAGE_MAX_LENGTH, SUBJECT_MAX_LENGTH, UpstreamRequestPayload } from './payloads/request.payload.js';
import { TicketSubmittedPayload } from './payloads/ticket.payload.js';

function errorsOf<T>(result: ValidationResult<T>): FieldError[] {
  if (result.ok) throw new Error(`expected the value to be rejected, it was accepted: ${JSON.stringify(result.value)}`);
  return result.errors;
}

function fieldsAndCodes<T>(result: ValidationResult<T>): { field: string; code: string }[] {
  return errorsOf(result).map(({ field, code }) => ({ field, code }));
}

/** An object nested `levels` deep, the outermost counting as level 1. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'x' };
  for (let level = 1; level < levels; level += 1) value = { child: value };
  return value;
}

/** JSON text (not an object literal) so that `__proto__` ends up as an own property, as it does off the wire. */
function fromWire(value: unknown, injected: string): unknown {
  return JSON.parse(JSON.stringify(value).replace(/^\{/, `{${injected},`)) as unknown;
}

describe(validatePayload.name, () => {
  describe('with a valid payload', () => {
    it('accepts an upstream request and returns an instance of the payload class', () => {
      const request = upstreamRequest();

      const sut = validatePayload(UpstreamRequestPayload, request);

      expect(sut.ok).toBe(true);
      if (!sut.ok) return;
      expect(sut.value).toBeInstanceOf(UpstreamRequestPayload);
      expect(sut.value.requestId).toBe(request.requestId);
      expect(sut.value.requester.email).toBe(request.requester.email);
    });

    it('accepts a submitted ticket with its nested requester and consent', () => {
      const ticket = submittedTicket();

      const sut = validatePayload(TicketSubmittedPayload, ticket);

      expect(sut.ok).toBe(true);
      if (!sut.ok) return;
      expect(sut.value.workspaceTesting?.granted).toBe(true);
      expect(sut.value.requester.userId).toBe(ticket.requester.userId);
    });

    it('accepts a form request with requestType and allowWorkspaceTesting', () => {
      const sut = validatePayload(
        UpstreamRequestPayload,
        upstreamRequest({ channel: 'form', requestType: 'bug', allowWorkspaceTesting: true }),
      );

      expect(sut.ok).toBe(true);
    });
  });

  describe('unknown fields', () => {
    test.each([
      {
        name: 'top level of an upstream request',
        type: UpstreamRequestPayload,
        value: { ...upstreamRequest(), priority: 'P1' },
        field: 'priority',
      },
      {
        name: 'nested requester of an upstream request',
        type: UpstreamRequestPayload,
        value: upstreamRequest({
          requester: { email: 'a@example.org', isAdmin: true } as UpstreamRequestPayload['requester'],
        }),
        field: 'requester.isAdmin',
      },
      {
        name: 'top level of a submitted ticket',
        type: TicketSubmittedPayload,
        value: { ...submittedTicket(), queue: 'psm' },
        field: 'queue',
      },
      {
        name: 'nested consent of a submitted ticket',
        type: TicketSubmittedPayload,
        value: submittedTicket({
          workspaceTesting: {
            granted: true,
            grantedBy: 'user-1',
            recordedAt: '2026-11-25T10:00:00.000Z',
            scope: 'all',
          } as TicketSubmittedPayload['workspaceTesting'],
        }),
        field: 'workspaceTesting.scope',
      },
    ] as const)('rejects an unknown field at the $name with unknownField', ({ type, value, field }) => {
      const sut = validatePayload(type as new () => object, value);

      expect(fieldsAndCodes(sut)).toContainEqual({ field, code: 'unknownField' });
    });
  });

  describe('forbidden keys', () => {
    afterEach(() => {
      expect(Object.prototype).not.toHaveProperty('polluted');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    test.each([
      { injected: '"__proto__":{"polluted":true}', field: '__proto__' },
      { injected: '"constructor":{"prototype":{"polluted":true}}', field: 'constructor' },
      { injected: '"prototype":{"polluted":true}', field: 'prototype' },
    ])('rejects a top-level $field key with forbiddenKey', ({ injected, field }) => {
      const sut = validatePayload(UpstreamRequestPayload, fromWire(upstreamRequest(), injected));

      expect(fieldsAndCodes(sut)).toEqual([{ field, code: 'forbiddenKey' }]);
    });

    test.each(['__proto__', 'constructor', 'prototype'])('rejects a nested %s key inside requester', (key) => {
      const text = `{"requestId":"r-1","channel":"email","message":"hi","requester":{"email":"a@example.org","${key}":{"polluted":true}}}`;

      const sut = validatePayload(UpstreamRequestPayload, JSON.parse(text) as unknown);

      expect(fieldsAndCodes(sut)).toEqual([{ field: `requester.${key}`, code: 'forbiddenKey' }]);
    });

    it('rejects a forbidden key deep inside an unknown field before any other check', () => {
      const value = JSON.parse('{"extra":{"inner":{"__proto__":{"polluted":true}}}}') as unknown;

      const sut = validatePayload(UpstreamRequestPayload, value);

      expect(fieldsAndCodes(sut)).toEqual([{ field: 'extra.inner.__proto__', code: 'forbiddenKey' }]);
    });
  });

  describe('nesting depth', () => {
    it(`rejects nesting deeper than ${MAX_NESTING_DEPTH} levels with tooDeep`, () => {
      const value = { ...upstreamRequest(), extra: nested(MAX_NESTING_DEPTH) };

      const sut = validatePayload(UpstreamRequestPayload, value);

      const tooDeep = errorsOf(sut).filter((error) => error.code === 'tooDeep');
      expect(tooDeep).toHaveLength(1);
      expect(tooDeep[0]?.field).toBe(`extra${'.child'.repeat(MAX_NESTING_DEPTH - 1)}`);
    });

    it(`does not report tooDeep at exactly ${MAX_NESTING_DEPTH} levels`, () => {
      const value = { ...upstreamRequest(), extra: nested(MAX_NESTING_DEPTH - 1) };

      const sut = validatePayload(UpstreamRequestPayload, value);

      const codes = errorsOf(sut).map((error) => error.code);
      expect(codes).toContain('unknownField');
      expect(codes).not.toContain('tooDeep');
    });
  });

  describe('values that are not objects', () => {
    test.each([
      { name: 'an array', value: [upstreamRequest()] },
      { name: 'null', value: null },
      { name: 'undefined', value: undefined },
      { name: 'a string', value: '{"requestId":"r-1"}' },
      { name: 'a number', value: 42 },
      { name: 'a boolean', value: true },
    ])('rejects $name with notAnObject on the whole value', ({ value }) => {
      const sut = validatePayload(UpstreamRequestPayload, value);

      expect(fieldsAndCodes(sut)).toEqual([{ field: '', code: 'notAnObject' }]);
    });
  });

  describe('request rules', () => {
    test.each([
      { name: 'form without requestType', overrides: { channel: 'form' }, field: 'requestType', code: 'isIn' },
      {
        name: 'form with an unknown requestType',
        overrides: { channel: 'form', requestType: 'complaint' },
        field: 'requestType',
        code: 'isIn',
      },
      {
        name: 'allowWorkspaceTesting on email',
        overrides: { channel: 'email', allowWorkspaceTesting: true },
        field: 'allowWorkspaceTesting',
        code: 'formOnly',
      },
      {
        name: 'allowWorkspaceTesting on chat',
        overrides: { channel: 'chat', allowWorkspaceTesting: false },
        field: 'allowWorkspaceTesting',
        code: 'formOnly',
      },
      { name: 'an empty message', overrides: { message: '' }, field: 'message', code: 'isLength' },
      {
        name: `a message of ${MESSAGE_MAX_LENGTH + 1} characters`,
        overrides: { message: 'x'.repeat(MESSAGE_MAX_LENGTH + 1) },
        field: 'message',
        code: 'isLength',
      },
      {
        name: `a subject of ${SUBJECT_MAX_LENGTH + 1} characters`,
        overrides: { subject: 's'.repeat(SUBJECT_MAX_LENGTH + 1) },
        field: 'subject',
        code: 'maxLength',
      },
      { name: 'an unknown channel', overrides: { channel: 'fax' }, field: 'channel', code: 'isIn' },
      { name: 'an unknown urgency', overrides: { urgency: 'asap' }, field: 'urgency', code: 'isIn' },
      { name: 'an unknown locale', overrides: { locale: 'de' }, field: 'locale', code: 'isIn' },
      {
        name: 'an invalid requester email',
        overrides: { requester: { email: 'not-an-email' } },
        field: 'requester.email',
        code: 'isEmail',
      },
      { name: 'a missing requester', overrides: { requester: undefined }, field: 'requester', code: 'isObject' },
    ])('rejects $name', ({ overrides, field, code }) => {
      const sut = validatePayload(
        UpstreamRequestPayload,
        upstreamRequest(overrides as Partial<UpstreamRequestPayload>),
      );

      expect(fieldsAndCodes(sut)).toContainEqual({ field, code });
    });

    test.each([
      {
        name: `a message of exactly ${MESSAGE_MAX_LENGTH} characters`,
        overrides: { message: 'x'.repeat(MESSAGE_MAX_LENGTH) },
      },
      { name: 'a one-character message', overrides: { message: 'x' } },
      {
        name: `a subject of exactly ${SUBJECT_MAX_LENGTH} characters`,
        overrides: { subject: 's'.repeat(SUBJECT_MAX_LENGTH) },
      },
      { name: 'email without requestType', overrides: { channel: 'email' } },
      { name: 'phone with a requestType', overrides: { channel: 'phone', requestType: 'access_problem' } },
    ])('accepts $name', ({ overrides }) => {
      const sut = validatePayload(
        UpstreamRequestPayload,
        upstreamRequest(overrides as Partial<UpstreamRequestPayload>),
      );

      expect(sut.ok ? [] : sut.errors).toEqual([]);
    });

    it('reports the requester email with its own message', () => {
      const sut = validatePayload(UpstreamRequestPayload, upstreamRequest({ requester: { email: 'nope' } }));

      expect(errorsOf(sut)).toContainEqual({
        field: 'requester.email',
        code: 'isEmail',
        message: 'requester.email must be an email address',
      });
    });

    it('reports every error at once, not only the first', () => {
      const value = { ...upstreamRequest({ channel: 'form', message: '', requester: { email: 'nope' } }), extra: true };

      const sut = validatePayload(UpstreamRequestPayload, value);

      expect(fieldsAndCodes(sut)).toEqual(
        expect.arrayContaining([
          { field: 'requestType', code: 'isIn' },
          { field: 'message', code: 'isLength' },
          { field: 'requester.email', code: 'isEmail' },
          { field: 'extra', code: 'unknownField' },
        ]),
      );
    });

    it('explains an unknown field by its path', () => {
      const sut = validatePayload(UpstreamRequestPayload, { ...upstreamRequest(), extra: 1 });

      expect(errorsOf(sut)).toContainEqual({
        field: 'extra',
        code: 'unknownField',
        message: 'property extra is not allowed',
      });
    });
  });
});

describe(parseJson.name, () => {
  test.each(['{', 'not json', '{"a":1,}', "{'a':1}", ''])('reports %j as invalidJson', (text) => {
    const sut = parseJson(text);

    const errors = errorsOf(sut);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ field: '', code: 'invalidJson' });
    expect(errors[0]?.message).toMatch(/^not valid JSON\b/);
  });

  test.each([
    '{"name": Jean Dupont, "email": "jean@example.org"}',
    '{"requester": {"email": jean.dupont@example.org}}',
    '{"message": "Je m\'appelle Jean Dupont',
    'Jean Dupont <jean@example.org>',
  ])('says where %j is broken, never what it says (the error is stored, logged and exported)', (text) => {
    const message = errorsOf(parseJson(text))[0]?.message ?? '';

    expect(message).toMatch(/^not valid JSON\b/);
    expect(message).not.toMatch(/Jean|Dupont|jean|example/);
  });

  test.each([
    { text: '{"a":[1,2]}', value: { a: [1, 2] } },
    { text: '[]', value: [] },
    { text: 'null', value: null },
    { text: '"text"', value: 'text' },
  ])('parses $text', ({ text, value }) => {
    const sut = parseJson(text);

    expect(sut).toEqual({ ok: true, value });
  });
});

describe(withoutNulls.name, () => {
  it('drops null properties at every depth, keeping arrays and other values', () => {
    expect(withoutNulls({ a: null, b: 1, c: { d: null, e: 'x', f: [null, 1] }, g: false })).toEqual({
      b: 1,
      c: { e: 'x', f: [null, 1] },
      g: false,
    });
    expect(withoutNulls(null)).toBeNull();
    expect(withoutNulls([{ a: null }])).toEqual([{ a: null }]);
  });

  it('keeps a "__proto__" key a plain property, for the structural check to refuse', () => {
    const sut = withoutNulls(JSON.parse('{"__proto__": {"polluted": true}, "channel": "chat"}')) as Record<
      string,
      unknown
    >;

    expect(Object.getPrototypeOf(sut)).toBe(Object.prototype);
    expect(Object.keys(sut)).toEqual(['__proto__', 'channel']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
