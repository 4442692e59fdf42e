import { randomUUID } from 'node:crypto';
import { Topics, toCloudEventHeaders, topicSpec } from '#contracts';
import type { TopicName } from '#contracts';
import { createKafka } from '#kafka';
import type { KafkaEvent } from '#kafka';
import {
  eventually,
  isolatedDatabase,
  KafkaTestClient,
  lifecycleEvent,
  ServiceProcess,
  setGroupOffsetsForTopics,
  startGroupAtEnd,
  submittedTicket,
  testBrokers,
  testDatabaseUrl,
  topicEndOffsets,
  uniqueSuffix,
  userToken,
} from '#testing';
import type { IsolatedDatabase, PartitionOffsets } from '#testing';
import { consumed, ticketStory } from './history-store.js';
import { HISTORY_RECORDED_TOPICS } from '../src/recording/history.consumer.js';

interface Problem {
  status: number;
  code: string;
}

/** The committed offsets of the group have reached the end of every topic it reads. */
async function groupCaughtUp(groupId: string): Promise<void> {
  const admin = createKafka({ brokers: testBrokers(), clientId: 'test-lag' }).admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics: [...HISTORY_RECORDED_TOPICS] });
    for (const topic of committed) {
      const ends = await admin.fetchTopicOffsets(topic.topic);
      for (const end of ends) {
        const at = topic.partitions.find((partition) => partition.partition === end.partition)?.offset ?? '-1';
        if (BigInt(end.offset) > 0n && BigInt(at) < BigInt(end.offset))
          throw new Error(`${topic.topic}[${end.partition}] at ${at} of ${end.offset}`);
      }
    }
  } finally {
    await admin.disconnect();
  }
}

describe('history HTTP API', () => {
  const suffix = uniqueSuffix();
  const group = `support-history-it-${suffix}`;
  const orgA = `org-a-${suffix}`;
  const orgB = `org-b-${suffix}`;
  let database: IsolatedDatabase;
  let history: ServiceProcess;
  let kafka: KafkaTestClient;
  let startOffsets: Map<TopicName, PartitionOffsets>;
  const tokens: Record<string, string> = {};

  const storyA = ticketStory(
    submittedTicket({ requester: { userId: `u-a-${suffix}`, orgId: orgA, email: 'a@example.org', name: 'A' } }),
    {
      slaDueAt: '2026-11-25T14:00:00.000Z',
      claimedAt: '2026-11-25T10:30:00.000Z',
    },
  );
  const overdue = submittedTicket({
    requester: { userId: `u-late-${suffix}`, orgId: orgA, email: 'late@example.org', name: 'Late' },
  });
  const storyB = ticketStory(
    submittedTicket({ requester: { userId: `u-b-${suffix}`, orgId: orgB, email: 'b@example.org', name: 'B' } }),
  );
  const ticketA = storyA[0]?.value as { ticketId: string };
  const ticketB = storyB[0]?.value as { ticketId: string };

  async function publish(events: readonly KafkaEvent[]): Promise<void> {
    for (const event of events) {
      const value = event.value as { ticketId?: string };
      await kafka.produce(event.topic, [
        {
          key: value.ticketId ?? null,
          value: JSON.stringify(event.value),
          headers: toCloudEventHeaders({
            id: event.cloudEvent.id ?? randomUUID(),
            source: '/test',
            type: topicSpec(event.topic as TopicName).eventType,
            time: event.cloudEvent.time ?? new Date().toISOString(),
            ...(value.ticketId ? { subject: value.ticketId } : {}),
          }),
        },
      ]);
    }
  }

  async function get(path: string, token: string | undefined): Promise<Response> {
    return fetch(`${history.url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  }

  async function json<T>(path: string, token: string | undefined): Promise<T> {
    const response = await get(path, token);
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'history_api');
    kafka = new KafkaTestClient(testBrokers());
    await startGroupAtEnd(testBrokers(), group, HISTORY_RECORDED_TOPICS);
    startOffsets = new Map();
    for (const topic of HISTORY_RECORDED_TOPICS) startOffsets.set(topic, await topicEndOffsets(testBrokers(), topic));
    history = await new ServiceProcess('history', {
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: database.url,
      HISTORY_CONSUMER_GROUP: group,
    }).start();
    tokens.global = await userToken({ sub: 'auditor-global', roles: ['auditor:global'] });
    tokens.auditorA = await userToken({ sub: 'auditor-a', org: orgA, roles: ['auditor'] });
    tokens.auditorNoOrg = await userToken({ sub: 'auditor-x', roles: ['auditor'] });
    tokens.agent = await userToken({ sub: 'agent-1', org: orgA, roles: ['agent'] });
    tokens.officerA = await userToken({ sub: 'po-a', org: orgA, roles: ['privacy-officer'] });
    await publish([
      ...storyA,
      consumed(Topics.ticketsSubmitted, overdue, { id: randomUUID(), time: overdue.receivedAt }),
      consumed(Topics.ticketsRouted, {
        ...(storyA[1]?.value as object),
        ticketId: overdue.ticketId,
        reference: overdue.reference,
        slaDueAt: '2026-11-25T10:05:00.000Z',
      }),
      consumed(
        Topics.ticketsLifecycle,
        lifecycleEvent({ ticketId: ticketA.ticketId, event: 'resolved', at: '2026-11-25T12:00:00.000Z' }),
      ),
      consumed(
        Topics.ticketsLifecycle,
        lifecycleEvent({ ticketId: ticketA.ticketId, event: 'reopened', at: '2026-11-25T13:00:00.000Z' }),
      ),
      // Answered well within its next-response due time (P2: four hours).
      consumed(
        Topics.ticketsLifecycle,
        lifecycleEvent({ ticketId: ticketA.ticketId, event: 'replied', at: '2026-11-25T13:30:00.000Z' }),
      ),
      ...storyB,
    ]);
    await eventually(() => groupCaughtUp(group), { timeoutMs: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await history?.stop();
    await kafka?.close();
    await database?.drop();
  });

  it('projects every lifecycle transition: status, first response (the first reply, not a claim), SLA verdict', async () => {
    const view = await json<{
      status: string;
      firstResponseAt: string;
      slaBreached: boolean;
      timeline: { topic: string; ruleId?: string }[];
    }>(`/v1/tickets/${ticketA.ticketId}`, tokens.global);
    const late = await json<{ status: string; slaBreached: boolean }>(`/v1/tickets/${overdue.ticketId}`, tokens.global);
    const breached = await json<{ items: { ticketId: string }[] }>(
      `/v1/tickets?orgId=${orgA}&slaBreached=true`,
      tokens.global,
    );
    const onTime = await json<{ items: { ticketId: string }[] }>(
      `/v1/tickets?orgId=${orgA}&slaBreached=false`,
      tokens.global,
    );

    expect(view).toMatchObject({
      status: 'pending',
      firstResponseAt: '2026-11-25T11:30:00.000Z',
      nextResponseDueAt: null,
      slaBreached: false,
    });
    expect(view.timeline.map((entry) => entry.topic)).toEqual([
      Topics.ticketsSubmitted,
      Topics.ticketsRouted,
      Topics.queueSupport,
      Topics.ticketsLifecycle,
      Topics.ticketsLifecycle,
      Topics.notifications,
      Topics.ticketsLifecycle,
      Topics.ticketsLifecycle,
      Topics.ticketsLifecycle,
    ]);
    expect(view.timeline[1]).toMatchObject({ ruleId: 'technical' });
    expect(late).toMatchObject({ status: 'routed', slaBreached: true });
    expect(breached.items.map((item) => item.ticketId)).toEqual([overdue.ticketId]);
    expect(onTime.items.map((item) => item.ticketId)).toEqual([ticketA.ticketId]);
  });

  it.each(['/v1/tickets', `/v1/tickets/${randomUUID()}`, '/v1/stats', '/v1/audit/verify', '/v1/export?format=ndjson'])(
    'refuses %s without a token (401) or an auditor role (403)',
    async (path) => {
      const missing = await get(path, undefined);
      const agent = await get(path, tokens.agent);
      const noOrg = await get(path, tokens.auditorNoOrg);

      expect(missing.status).toBe(401);
      expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(((await agent.json()) as Problem).code).toBe('AUTH_MISSING_ROLE');
      expect(agent.status).toBe(403);
      expect(noOrg.status).toBe(403);
    },
  );

  it('keeps an organisation’s auditor inside their organisation on every endpoint', async () => {
    const list = await json<{ items: { orgId: string }[] }>('/v1/tickets', tokens.auditorA);
    const foreignFilter = await get(`/v1/tickets?orgId=${orgB}`, tokens.auditorA);
    const foreignTicket = await get(`/v1/tickets/${ticketB.ticketId}`, tokens.auditorA);
    const ownTicket = await get(`/v1/tickets/${ticketA.ticketId}`, tokens.auditorA);
    const stats = await json<{ total: number }>('/v1/stats', tokens.auditorA);
    const foreignStats = await get(`/v1/stats?orgId=${orgB}`, tokens.auditorA);
    const exported = (await (await get('/v1/export?format=ndjson', tokens.auditorA)).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { orgId: string; ticketId: string });
    const erase = await fetch(`${history.url}/v1/subjects/u-b-${suffix}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tokens.officerA}` },
    });
    const eraseAsAuditor = await fetch(`${history.url}/v1/subjects/u-b-${suffix}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tokens.auditorA}` },
    });
    // Verification walks every organisation's events: global auditors only.
    const verify = await get('/v1/audit/verify', tokens.auditorA);
    const verifyGlobal = await json<{ ok: boolean }>('/v1/audit/verify', tokens.global);

    expect(list.items.length).toBe(2);
    expect(new Set(list.items.map((item) => item.orgId))).toEqual(new Set([orgA]));
    expect(foreignFilter.status).toBe(403);
    expect(foreignTicket.status).toBe(404);
    expect(ownTicket.status).toBe(200);
    expect(stats.total).toBe(2);
    expect(foreignStats.status).toBe(403);
    expect(exported.length).toBeGreaterThan(0);
    expect(new Set(exported.map((row) => row.orgId))).toEqual(new Set([orgA]));
    expect(exported.map((row) => row.ticketId)).not.toContain(ticketB.ticketId);
    expect(erase.status).toBe(404);
    expect(eraseAsAuditor.status).toBe(403);
    expect(verify.status).toBe(403);
    expect(verifyGlobal.ok).toBe(true);
  });

  it('gives vendor-wide erasure to privacy-officer:global only, never to an officer token that names no organisation', async () => {
    const officerNoOrg = await userToken({ sub: 'po-x', roles: ['privacy-officer'] });
    const officerGlobal = await userToken({ sub: 'po-global', roles: ['privacy-officer:global'] });
    const subject = `nobody-${suffix}@example.org`;

    const noOrg = await fetch(`${history.url}/v1/subjects/${subject}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${officerNoOrg}` },
    });
    const global = await fetch(`${history.url}/v1/subjects/${subject}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${officerGlobal}` },
    });

    expect(noOrg.status).toBe(403);
    expect(((await noOrg.json()) as Problem).code).toBe('ACCESS_ORGANISATION_REQUIRED');
    // Reached the store (nothing held about this subject), which only a global officer may.
    expect(global.status).toBe(404);
    expect(((await global.json()) as Problem).code).toBe('SUBJECT_NOT_FOUND');
  });

  it('takes a subject id of 320 characters in the path, percent-encoded, and answers problem+json', async () => {
    const officerGlobal = await userToken({ sub: 'po-global', roles: ['privacy-officer:global'] });
    const subject = `${'é'.repeat(100)}${'p'.repeat(208)}@example.org`;

    const response = await fetch(`${history.url}/v1/subjects/${encodeURIComponent(subject)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${officerGlobal}` },
    });

    expect(subject).toHaveLength(320);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('says only up or down on /health/ready: no addresses of its dependencies', async () => {
    const body = (await (await get('/health/ready', undefined)).json()) as {
      status: string;
      checks: Record<string, Record<string, unknown>>;
    };

    expect(body.status).toBe('ok');
    for (const check of Object.values(body.checks)) expect(Object.keys(check)).toEqual(['status']);
  });

  it('exports CSV with a header and one row per event, without personal data', async () => {
    const response = await get(`/v1/export?format=csv`, tokens.global);
    const text = await response.text();
    const lines = text.trim().split('\r\n');

    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="history-export\.csv"/);
    expect(lines[0]).toBe('seq,id,ticket_id,org_id,topic,type,time,recorded_at,personal_data,hash,prev_hash,details');
    expect(lines.length - 1).toBe(storyA.length + storyB.length + 5);
    expect(text).not.toMatch(/a@example\.org|late@example\.org|Export fails/);
    expect((await get('/v1/export?format=xml', tokens.global)).status).toBe(400);
  });

  it('counts what it recorded by topic, its handler latency and its lag on /metrics', async () => {
    const metrics = await (await fetch(`${history.url}/metrics`)).text();
    const recorded = (topic: string): number =>
      Number(
        new RegExp(`history_events_recorded_total\\{[^}]*topic="${topic.replace(/\./g, '\\.')}"[^}]*\\} (\\d+)`).exec(
          metrics,
        )?.[1] ?? 0,
      );

    expect(recorded(Topics.ticketsSubmitted)).toBe(3);
    expect(recorded(Topics.ticketsLifecycle)).toBe(7);
    expect(metrics).toMatch(/kafka_handler_duration_seconds_count\{[^}]*mode="batch"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/kafka_consumer_lag_records\{[^}]*topic="support\.tickets\.lifecycle\.v1"[^}]*\} 0/);
  });

  it('adds nothing when the group is reset to the start and reads everything again', async () => {
    const before = await json<{ ok: boolean; checked: number; headHash: string }>('/v1/audit/verify', tokens.global);
    await history.stop();
    await setGroupOffsetsForTopics(testBrokers(), group, startOffsets);
    await history.start();
    await eventually(() => groupCaughtUp(group), { timeoutMs: 30_000 });
    const after = await json<{ ok: boolean; checked: number; headHash: string }>('/v1/audit/verify', tokens.global);

    expect(before).toMatchObject({ ok: true, checked: storyA.length + storyB.length + 5 });
    expect(after).toEqual(before);
  });
});
