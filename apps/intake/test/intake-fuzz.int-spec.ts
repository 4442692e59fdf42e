import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Topics } from '#contracts';
import { KafkaTestClient, ServiceProcess, eventually, testBrokers, testDatabaseUrl, userToken } from '#testing';
import { GATEWAY_KEY, PHONE_KEY, TEST_API_KEYS } from './intake.fixtures.js';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3_000);
const CONCURRENCY = 50;
const RECORDS = Number(process.env.FUZZ_RECORDS ?? 600);

/** Valid bodies of every channel: what the mutations start from. */
const BASES: readonly Record<string, unknown>[] = [
  { channel: 'chat', message: 'How do I export my register?' },
  {
    channel: 'form',
    requestType: 'bug',
    subject: 'Export fails',
    message: 'The export fails.',
    allowWorkspaceTesting: true,
    urgency: 'high',
    locale: 'fr',
  },
  {
    channel: 'phone',
    message: 'Connexion impossible',
    urgency: 'critical',
    requester: { email: 'dpo@example.com', name: 'Jeanne', orgId: 'org-42', userId: 'u-1' },
  },
  {
    channel: 'email',
    subject: 'Question',
    message: 'Do you offer a DPA?',
    requester: { email: 'someone@example.org' },
  },
];

const FIELDS = [
  'channel',
  'requestType',
  'subject',
  'message',
  'urgency',
  'allowWorkspaceTesting',
  'locale',
  'requester',
  'requestId',
  'extra',
  '__proto__',
  'constructor',
];
const REQUESTER_FIELDS = ['email', 'name', 'orgId', 'userId', 'phone', 'role'];

/** Anything a broken or hostile client could put in a field. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constantFrom(
    'chat',
    'form',
    'phone',
    'email',
    'bug',
    'critical',
    'fr',
    '',
    ' ',
    '\u0000',
    '<script>x</script>',
    '&Euml;',
    'a'.repeat(10_001),
  ),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.constant(null), fc.integer()), { maxKeys: 4 }),
);

type Mutation =
  | { readonly kind: 'field'; readonly field: string; readonly value: unknown }
  | { readonly kind: 'requester'; readonly field: string; readonly value: unknown };

const body: fc.Arbitrary<{ readonly text: string | Buffer; readonly channel: unknown }> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...BASES),
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('field' as const), field: fc.constantFrom(...FIELDS), value: anyValue }),
            fc.record({
              kind: fc.constant('requester' as const),
              field: fc.constantFrom(...REQUESTER_FIELDS),
              value: anyValue,
            }),
          ),
          { maxLength: 3 },
        ),
      )
      .map(([base, mutations]: [Record<string, unknown>, Mutation[]]) => {
        const value: Record<string, unknown> = structuredClone(base);
        for (const mutation of mutations) {
          if (mutation.kind === 'field') {
            Object.defineProperty(value, mutation.field, {
              value: mutation.value,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          } else if (
            value.requester !== null &&
            typeof value.requester === 'object' &&
            !Array.isArray(value.requester)
          ) {
            (value.requester as Record<string, unknown>)[mutation.field] = mutation.value;
          }
        }
        return { text: JSON.stringify(value), channel: value.channel };
      }),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ text: Buffer.from(bytes), channel: undefined })),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text) => ({ text, channel: undefined })) },
);

/** Runs the calls with at most `limit` in flight. */
async function pooled<T>(count: number, limit: number, call: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        results[index] = await call(index);
      }
    }),
  );
  return results;
}

describe('intake under fuzzing', () => {
  let intake: ServiceProcess;
  let kafka: KafkaTestClient;
  let token: string;

  beforeAll(async () => {
    intake = new ServiceProcess('intake', {
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: testDatabaseUrl(),
      INTAKE_API_KEYS: TEST_API_KEYS,
      INTAKE_RATE_LIMIT_USER_PER_MINUTE: '1000000',
      INTAKE_RATE_LIMIT_API_KEY_PER_MINUTE: '1000000',
    });
    await intake.start();
    kafka = new KafkaTestClient(testBrokers());
    token = await userToken({ sub: 'user-fuzz', org: 'org-fuzz', email: 'fuzz@example.org' });
  });

  afterAll(async () => {
    await kafka?.close();
    await intake?.stop();
  });

  it(`answers ${REQUESTS} mutated requests at concurrency ${CONCURRENCY} without a 5xx or a dropped connection, every error as problem+json`, async () => {
    const bodies = fc.sample(body, { numRuns: REQUESTS, seed: 20261130 });

    const outcomes = await pooled(bodies.length, CONCURRENCY, async (index) => {
      const { text, channel } = bodies[index] as { text: string | Buffer; channel: unknown };
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (channel === 'chat' || channel === 'form' || index % 7 === 0) headers.authorization = `Bearer ${token}`;
      headers['x-api-key'] = channel === 'phone' ? PHONE_KEY : GATEWAY_KEY;
      try {
        const response = await fetch(`${intake.url}/v1/requests`, { method: 'POST', headers, body: text });
        const contentType = response.headers.get('content-type') ?? '';
        const answer = (await response.json().catch(() => undefined)) as { status?: number; code?: string } | undefined;
        return { index, status: response.status, contentType, answer };
      } catch (error) {
        return { index, status: 0, contentType: '', answer: undefined, error: String(error) };
      }
    });

    const broken = outcomes.filter((outcome) => outcome.status === 0 || outcome.status >= 500);
    const notProblems = outcomes.filter(
      (outcome) =>
        outcome.status >= 400 &&
        (!outcome.contentType.startsWith('application/problem+json') || outcome.answer?.status !== outcome.status),
    );
    const accepted = outcomes.filter((outcome) => outcome.status === 202);
    expect(
      broken.map((outcome) => ({
        ...outcome,
        body: String((bodies[outcome.index] as { text: unknown }).text).slice(0, 300),
      })),
    ).toEqual([]);
    expect(notProblems).toEqual([]);
    // The mutations leave a fair share of requests valid: the happy path is exercised too.
    expect(accepted.length).toBeGreaterThan(REQUESTS / 20);
    expect(outcomes.filter((outcome) => outcome.status === 400).length).toBeGreaterThan(REQUESTS / 4);
  });

  it(`turns ${RECORDS} mutated upstream records into a ticket or a rejection each: none lost, none dead-lettered, the partition never blocked`, async () => {
    const bodies = fc.sample(body, { numRuns: RECORDS, seed: 20261201 });
    const run = randomUUID();
    const records = bodies.map(({ text }, index) => {
      // A unique, valid requestId on the objects that keep one: no record is a duplicate of another.
      let value = typeof text === 'string' ? text : text.toString('latin1');
      try {
        const parsed: unknown = JSON.parse(value);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && index % 5 !== 0) {
          (parsed as Record<string, unknown>).requestId = `fuzz-${run}-${index}`;
          value = JSON.stringify(parsed);
        }
      } catch {
        // Not JSON: rejected as such.
      }
      return { key: `fuzz-${index}`, value };
    });
    const seen = await kafka.collect([
      Topics.ticketsSubmitted,
      Topics.requestsRejected,
      `${Topics.requests}.support-intake.dlq`,
    ]);
    const keys = new Set(records.map((record) => record.key));
    const ours = (): { tickets: number; rejections: number; dead: number } => {
      const ticketIds = new Set(
        seen
          .filter((item) => item.topic === Topics.ticketsSubmitted && item.value?.includes(`fuzz-${run}-`))
          .map((item) => (JSON.parse(item.value ?? '{}') as { requestId?: string }).requestId),
      );
      const rejectionKeys = new Set(
        seen
          .filter((item) => item.topic === Topics.requestsRejected && item.key !== null && keys.has(item.key))
          .map((item) => item.key),
      );
      const dead = seen.filter((item) => item.topic.endsWith('.dlq') && item.key !== null && keys.has(item.key)).length;
      return { tickets: ticketIds.size, rejections: rejectionKeys.size, dead };
    };

    await kafka.produce(Topics.requests, records);

    await eventually(
      () => {
        const { tickets, rejections } = ours();
        expect(tickets + rejections).toBe(RECORDS);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(ours().dead).toBe(0);
    expect(ours().tickets).toBeGreaterThan(0);
    expect((await fetch(`${intake.url}/health/ready`)).status).toBe(200);
  });
});
