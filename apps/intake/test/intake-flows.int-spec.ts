import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import { Topics, deterministicUuid, topicSpec } from '#contracts';
import { ProblemDetailsFilter } from '#platform';
import {
  KafkaTestClient,
  ServiceProcess,
  eventually,
  freePort,
  subjectErased,
  testBrokers,
  testDatabaseUrl,
  upstreamRequest,
  userToken,
} from '#testing';
import type { ReadRecord } from '#testing';
import { loadIntakeConfig } from '../src/intake.config.js';
import { IntakeModule } from '../src/intake.module.js';
import { GATEWAY_KEY, TEST_API_KEYS } from './intake.fixtures.js';
import type { Problem } from './intake.fixtures.js';

interface Accepted {
  ticketId: string;
  reference: string;
  status: string;
  receivedAt: string;
}

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  KAFKA_BROKERS: testBrokers().join(','),
  DATABASE_URL: testDatabaseUrl(),
  INTAKE_API_KEYS: TEST_API_KEYS,
  ...extra,
});

function emailBody(message: string): string {
  return JSON.stringify({ channel: 'email', message, requester: { email: 'someone@example.org' } });
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': GATEWAY_KEY, ...headers },
    body,
  });
}

async function sql<T = unknown>(text: string, parameters: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    return (await client.query(text, parameters)).rows as T[];
  } finally {
    await client.end();
  }
}

function ofTicket(records: readonly ReadRecord[], ticketId: string): ReadRecord[] {
  return records.filter((record) => record.key === ticketId);
}

describe('Intake against the real broker and database', () => {
  let first: ServiceProcess;
  let second: ServiceProcess;
  let kafka: KafkaTestClient;
  let submitted: ReadRecord[];
  let rejected: ReadRecord[];

  beforeAll(async () => {
    kafka = new KafkaTestClient(testBrokers());
    first = new ServiceProcess('intake', env());
    second = new ServiceProcess('intake', env());
    await Promise.all([first.start(), second.start()]);
    submitted = await kafka.collect([Topics.ticketsSubmitted]);
    rejected = await kafka.collect([Topics.requestsRejected]);
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await kafka?.close();
  });

  describe('Idempotency-Key', () => {
    it('gives the same ticket for the same key and body, on any instance and across a restart', async () => {
      const key = randomUUID();
      const body = emailBody('Same request sent three times');

      const once = (await (await post(first.url, body, { 'idempotency-key': key })).json()) as Accepted;
      const again = (await (await post(second.url, body, { 'idempotency-key': key })).json()) as Accepted;
      await first.stop();
      await first.start();
      const afterRestart = (await (await post(first.url, body, { 'idempotency-key': key })).json()) as Accepted;

      expect(again).toEqual(once);
      expect(afterRestart).toEqual(once);
      await eventually(() => expect(ofTicket(submitted, once.ticketId)).toHaveLength(1));
    });

    it('treats the same body with its keys in another order as the same body', async () => {
      const key = randomUUID();
      const one = JSON.stringify({ channel: 'email', message: 'Order of keys', requester: { email: 'a@example.org' } });
      const other = JSON.stringify({
        requester: { email: 'a@example.org' },
        message: 'Order of keys',
        channel: 'email',
      });

      const a = (await (await post(first.url, one, { 'idempotency-key': key })).json()) as Accepted;
      const b = (await (await post(second.url, other, { 'idempotency-key': key })).json()) as Accepted;

      expect(b.ticketId).toBe(a.ticketId);
    });

    it('refuses the same key with another body: 422', async () => {
      const key = randomUUID();
      await post(first.url, emailBody('first body'), { 'idempotency-key': key });

      const response = await post(second.url, emailBody('second body'), { 'idempotency-key': key });

      expect(response.status).toBe(422);
      expect(((await response.json()) as Problem).code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('refuses a key reused after its time to live: 422, rather than a 202 for a ticket dropped downstream as a duplicate', async () => {
      const key = randomUUID();
      await post(first.url, emailBody('long ago'), { 'idempotency-key': key });
      await sql(`UPDATE intake.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, [key]);

      const sameBody = await post(second.url, emailBody('long ago'), { 'idempotency-key': key });
      const otherBody = await post(second.url, emailBody('a new request'), { 'idempotency-key': key });

      expect([sameBody.status, otherBody.status]).toEqual([422, 422]);
      expect(((await sameBody.json()) as Problem).code).toBe('IDEMPOTENCY_KEY_EXPIRED');
    });

    it('gives every concurrent first use of a key the first caller’s answer, never a 503', async () => {
      const key = randomUUID();
      const body = emailBody('many at once');

      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          post(index % 2 === 0 ? first.url : second.url, body, { 'idempotency-key': key }),
        ),
      );
      const answers = (await Promise.all(responses.map((response) => response.json()))) as Accepted[];

      expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 12 }, () => 202));
      expect(new Set(answers.map((answer) => answer.ticketId)).size).toBe(1);
    });

    it('keeps keys of different callers apart', async () => {
      const key = randomUUID();
      const token = await userToken({ sub: `user-${randomUUID()}` });
      const viaGateway = (await (
        await post(first.url, emailBody('keyed'), { 'idempotency-key': key })
      ).json()) as Accepted;

      const viaUser = await fetch(`${first.url}/v1/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
        body: JSON.stringify({ channel: 'chat', message: 'keyed' }),
      });

      expect(viaUser.status).toBe(202);
      expect(((await viaUser.json()) as Accepted).ticketId).not.toBe(viaGateway.ticketId);
    });
  });

  describe(`upstream events on ${Topics.requests}`, () => {
    it('publishes every invalid event to the rejection topic with all its errors and the raw value', async () => {
      const requestId = `bad-${randomUUID()}`;
      const value = JSON.stringify({ requestId, channel: 'fax', message: '', requester: { email: 'nope' } });

      await kafka.produce(Topics.requests, [{ key: requestId, value }]);

      const rejection = await eventually(() => {
        const found = rejected.find((record) => record.key === requestId);
        if (!found) throw new Error('not rejected yet');
        return found;
      });
      const payload = JSON.parse(rejection.value ?? '{}') as {
        requestId: string;
        errors: { field: string }[];
        rawValue: string;
        sourceTopic: string;
      };
      expect(payload.requestId).toBe(requestId);
      expect(payload.errors.map((error) => error.field)).toEqual(
        expect.arrayContaining(['channel', 'message', 'requester.email']),
      );
      expect(payload.rawValue).toBe(value);
      expect(payload.sourceTopic).toBe(Topics.requests);
      expect(rejection.headers.ce_type).toBe(topicSpec(Topics.requestsRejected).eventType);
    });

    it('rejects a value that is not JSON instead of dropping it', async () => {
      const marker = randomUUID();

      await kafka.produce(Topics.requests, [{ key: null, value: `not json ${marker}` }]);

      await eventually(() => {
        const found = rejected.find((record) => record.value?.includes(marker));
        expect(found).toBeDefined();
        expect(JSON.parse(found?.value ?? '{}')).toMatchObject({ requestId: null, errors: [{ code: 'invalidJson' }] });
      });
    });

    it('refuses a requestId that is not id-like (it becomes a key and a correlation id), keeping the upstream key', async () => {
      const key = `key-${randomUUID()}`;

      await kafka.produce(Topics.requests, [
        { key, value: JSON.stringify(upstreamRequest({ requestId: 'jean.dupont@example.org' })) },
      ]);

      const rejection = await eventually(() => {
        const found = rejected.find((record) => record.key === key);
        if (!found) throw new Error('not rejected yet');
        return found;
      });
      const payload = JSON.parse(rejection.value ?? '{}') as {
        requestId: string | null;
        errors: { field: string; code: string }[];
      };
      expect(payload.requestId).toBeNull();
      expect(payload.errors).toContainEqual(expect.objectContaining({ field: 'requestId', code: 'matches' }));
      expect(rejection.headers.ce_correlationid ?? '').not.toContain('dupont');
    });

    it('parks records near the broker’s limit on the rejection topic, cut to fit, and keeps the partition flowing', async () => {
      const nearLimit = `{"requestId":"big-${randomUUID()}","channel":"email","message":"${'x'.repeat(1_000_000)}","requester":{"email":"a@example.org"}}`;
      const controls = '\u0001'.repeat(180_000);
      const after = upstreamRequest();
      const keys = [`near-limit-${randomUUID()}`, `controls-${randomUUID()}`];

      // One partition, in this order: the ticket behind them shows that they did not block it.
      await kafka.produce(Topics.requests, [{ key: keys[0] ?? null, value: nearLimit, partition: 0 }]);
      await kafka.produce(Topics.requests, [{ key: keys[1] ?? null, value: controls, partition: 0 }]);
      await kafka.produce(Topics.requests, [{ key: after.requestId, value: JSON.stringify(after), partition: 0 }]);

      await eventually(
        () => expect(ofTicket(submitted, deterministicUuid('ticket', after.requestId))).toHaveLength(1),
        { timeoutMs: 30_000 },
      );
      for (const [index, raw] of [nearLimit, controls].entries()) {
        const rejection = rejected.find((record) => record.key === keys[index]);
        const payload = JSON.parse(rejection?.value ?? '{}') as {
          rawValueTruncated?: boolean;
          rawValueBytes?: number;
          rawValueSha256?: string;
          rawValue: string;
        };
        expect(payload).toMatchObject({
          rawValueTruncated: true,
          rawValueBytes: Buffer.byteLength(raw),
          rawValueSha256: createHash('sha256').update(raw).digest('hex'),
        });
        expect(raw.startsWith(payload.rawValue)).toBe(true);
      }
    });

    it('turns duplicates of a requestId into one ticket', async () => {
      const request = upstreamRequest();
      const value = JSON.stringify(request);

      await kafka.produce(Topics.requests, [{ key: request.requestId, value }]);
      await kafka.produce(Topics.requests, [
        { key: request.requestId, value },
        { key: request.requestId, value },
      ]);

      const ticketId = deterministicUuid('ticket', request.requestId);
      await eventually(() => expect(ofTicket(submitted, ticketId)).toHaveLength(1));
      // A later request behind the duplicates is handled, so the duplicates have been seen too.
      const after = upstreamRequest();
      await kafka.produce(Topics.requests, [
        { key: request.requestId, value: JSON.stringify({ ...after, requestId: `${request.requestId}-after` }) },
      ]);
      await eventually(() =>
        expect(ofTicket(submitted, deterministicUuid('ticket', `${request.requestId}-after`))).toHaveLength(1),
      );
      expect(ofTicket(submitted, ticketId)).toHaveLength(1);
    });
  });

  it('forgets what it keeps about the tickets of an erased subject', async () => {
    const key = randomUUID();
    const accepted = (await (
      await post(first.url, emailBody('to be erased'), { 'idempotency-key': key })
    ).json()) as Accepted;
    const request = upstreamRequest();
    await kafka.produce(Topics.requests, [{ key: request.requestId, value: JSON.stringify(request) }]);
    const upstreamTicket = deterministicUuid('ticket', request.requestId);
    await eventually(() => expect(ofTicket(submitted, upstreamTicket)).toHaveLength(1));

    await kafka.produce(Topics.subjectsErased, [
      {
        key: 'c'.repeat(64),
        value: JSON.stringify(
          subjectErased({ subjectRef: 'c'.repeat(64), ticketIds: [accepted.ticketId, upstreamTicket] }),
        ),
      },
    ]);

    await eventually(
      async () => {
        const left = await sql<{ count: number }>(
          `SELECT (SELECT count(*) FROM intake.idempotency_keys WHERE ticket_id = ANY($1)) + (SELECT count(*) FROM intake.upstream_requests WHERE ticket_id = ANY($1)) AS count`,
          [[accepted.ticketId, upstreamTicket]],
        );
        expect(Number(left[0]?.count)).toBe(0);
      },
      { timeoutMs: 20_000 },
    );
  });

  it('limits requests per user: 429 with Retry-After', async () => {
    const limited = new ServiceProcess('intake', env({ INTAKE_RATE_LIMIT_USER_PER_MINUTE: '3' }));
    await limited.start();
    try {
      const token = await userToken({ sub: `user-${randomUUID()}` });
      const send = (): Promise<Response> =>
        fetch(`${limited.url}/v1/requests`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ channel: 'chat', message: 'hi' }),
        });

      const statuses: number[] = [];
      for (let index = 0; index < 4; index += 1) statuses.push((await send()).status);
      const refused = await send();

      expect(statuses).toEqual([202, 202, 202, 429]);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await refused.json()) as Problem).code).toBe('RATE_LIMITED');
    } finally {
      await limited.stop();
    }
  });
});

describe('Intake when Kafka does not answer', () => {
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    // A broker address where nothing listens: every write fails, as during a broker outage.
    const config = loadIntakeConfig({
      ...process.env,
      ...env({ KAFKA_BROKERS: `127.0.0.1:${await freePort()}`, INTAKE_PUBLISH_TIMEOUT_MS: '2000' }),
    });
    app = await NestFactory.create<NestFastifyApplication>(IntakeModule.forRoot(config), new FastifyAdapter(), {
      logger: false,
    });
    app.useGlobalFilters(new ProblemDetailsFilter());
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 503 with Retry-After instead of a ticket that is not durable', async () => {
    const key = randomUUID();

    const response = await post(url, emailBody('during an outage'), { 'idempotency-key': key });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const problem = (await response.json()) as Problem;
    expect(problem.code).toBe('KAFKA_UNAVAILABLE');
    // A write that timed out may still land: the client must not be told that nothing was recorded.
    expect(problem.detail).toMatch(/outcome is unknown; retry with the same Idempotency-Key/);
  });

  it('reports itself not ready', async () => {
    const response = await fetch(`${url}/health/ready`);

    expect(response.status).toBe(503);
    const report = (await response.json()) as { checks: Record<string, { status: string }> };
    expect(report.checks.kafka?.status).toBe('down');
    expect(report.checks.postgres?.status).toBe('up');
  });
});
