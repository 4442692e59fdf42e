import pg from 'pg';

import { ConsumerGroups, Topics, deadLetterTopic } from '#contracts';
import type { UpstreamRequestPayload } from '#contracts';
import {
  KafkaTestClient,
  ServiceProcess,
  eventually,
  isolatedDatabase,
  canRestartPostgres,
  restartPostgres,
  startGroupAtEnd,
  tailTopics,
  testBrokers,
  testDatabaseUrl,
  topicEndOffsets,
  uniqueSuffix,
  upstreamRequest,
  userToken,
} from '#testing';
import type { IsolatedDatabase, ServiceName, TopicTail } from '#testing';
import { resolve } from 'node:path';

/** What this suite uses of the infrastructure tools, loaded from the build as the global setup does. */
interface InfraTools {
  localBrokers(profile: 'test'): string[];
  stopInfrastructure(options: { profile: 'test'; only: 'kafka'[] }): Promise<string[]>;
  ensureInfrastructure(options: { profile: 'test'; log: (line: string) => void }): Promise<unknown>;
}

/** FAULT_BURST requests (default 600 inside npm test; npm run test:faults uses more). */
const BURST = Number(process.env.FAULT_BURST ?? 600);
const SERVICES: readonly ServiceName[] = ['intake', 'routing', 'notification', 'history'];

function request(index: number, suffix: string): UpstreamRequestPayload {
  const requester = {
    email: `fault-${index}@example.org`,
    orgId: `org-fault-${suffix}`,
    userId: `fault-${suffix}-${index}`,
  };
  if (index % 5 === 0)
    return upstreamRequest({
      requestId: `fault-${suffix}-${index}`,
      channel: 'phone',
      urgency: 'high',
      message: 'Compte bloqué, connexion impossible',
      requester,
    });
  if (index % 2 === 0)
    return upstreamRequest({
      requestId: `fault-${suffix}-${index}`,
      channel: 'chat',
      message: 'How do I export the register?',
      requester,
    });
  return upstreamRequest({
    requestId: `fault-${suffix}-${index}`,
    channel: 'form',
    requestType: 'bug',
    message: 'The upload fails.',
    requester,
  });
}

describe('the pipeline under faults (each service SIGKILLed in turn, the broker and PostgreSQL restarted during a burst, poison messages)', () => {
  const suffix = uniqueSuffix();
  let database: IsolatedDatabase;
  let db: pg.Client;
  let kafka: KafkaTestClient;
  let dlqTail: TopicTail;
  const services = new Map<ServiceName, ServiceProcess>();

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'faults');
    kafka = new KafkaTestClient(testBrokers());
    const contractTopics = Object.values(Topics).filter((topic) => topic !== Topics.psmAssignments);
    for (const group of Object.values(ConsumerGroups)) await startGroupAtEnd(testBrokers(), group, contractTopics);
    for (const name of SERVICES)
      services.set(
        name,
        new ServiceProcess(name, { KAFKA_BROKERS: testBrokers().join(','), DATABASE_URL: database.url }),
      );
    await Promise.all([...services.values()].map((service) => service.start()));
    // The consumers create their dead-letter topics as they start.
    dlqTail = await tailTopics(kafka, [
      deadLetterTopic(Topics.ticketsSubmitted, ConsumerGroups.routing),
      deadLetterTopic(Topics.ticketsSubmitted, ConsumerGroups.history),
    ]);
    db = await connectChecker();
  }, 120_000);

  /** The checker's own connection; a PostgreSQL restart cuts it, and a new one is made. */
  async function connectChecker(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: database.url });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  afterAll(async () => {
    await Promise.all([...services.values()].map((service) => service.stop()));
    await dlqTail?.stop();
    await kafka?.close();
    await db?.end();
    await database?.drop();
  });

  /** Every accepted request has one ticket in history, with one submitted, routed and queue event each, in order. */
  /**
   * Every accepted request has one ticket in history, with one submitted, routed and queue event
   * each (and one alert when urgent), in order. History reads each topic on its own, so the check
   * waits until every ticket has all of its events, then counts what is there more than once.
   */
  async function checkRecorded(
    accepted: readonly UpstreamRequestPayload[],
  ): Promise<{ inHistory: number; duplicated: number; outOfOrder: number; wrongAlerts: number }> {
    const requestIds = accepted.map((item) => item.requestId);
    const urgent = new Set(accepted.filter((item) => item.channel === 'phone').map((item) => item.requestId));
    const perTicket = async (): Promise<
      { request_id: string; submitted: number; routed: number; queued: number; alerts: number; in_order: boolean }[]
    > =>
      (
        await db.query<{
          request_id: string;
          submitted: number;
          routed: number;
          queued: number;
          alerts: number;
          in_order: boolean;
        }>(
          `SELECT t.request_id,
                  count(*) FILTER (WHERE e.topic = $2)::int AS submitted,
                  count(*) FILTER (WHERE e.topic = $3)::int AS routed,
                  count(*) FILTER (WHERE e.topic IN ($4, $5))::int AS queued,
                  count(*) FILTER (WHERE e.topic = $6)::int AS alerts,
                  min(e.occurred_at) FILTER (WHERE e.topic = $2) <= min(e.occurred_at) FILTER (WHERE e.topic = $3) AS in_order
           FROM history.tickets t JOIN history.events e ON e.ticket_id = t.ticket_id
           WHERE t.request_id = ANY($1) GROUP BY t.request_id`,
          [
            requestIds,
            Topics.ticketsSubmitted,
            Topics.ticketsRouted,
            Topics.queuePsm,
            Topics.queueSupport,
            Topics.alertsPhoneDesk,
          ],
        )
      ).rows;
    let rows: Awaited<ReturnType<typeof perTicket>> = [];
    try {
      await eventually(
        async () => {
          rows = await perTicket();
          const complete = rows.filter(
            (row) =>
              row.submitted >= 1 &&
              row.routed >= 1 &&
              row.queued >= 1 &&
              row.alerts >= (urgent.has(row.request_id) ? 1 : 0),
          );
          expect(complete.length).toBe(accepted.length);
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
    } catch (error) {
      process.stderr.write(
        `[faults] post-mortem of the requests not complete in history:\n${await whereMissing(requestIds)}\n`,
      );
      throw error;
    }
    const inHistory = new Set(rows.map((row) => row.request_id));
    expect([...inHistory].sort()).toEqual([...requestIds].sort());
    return {
      inHistory: inHistory.size,
      duplicated: rows.filter((row) => row.submitted !== 1 || row.routed !== 1 || row.queued !== 1).length,
      outOfOrder: rows.filter((row) => !row.in_order).length,
      wrongAlerts: rows.filter((row) => row.alerts !== (urgent.has(row.request_id) ? 1 : 0)).length,
    };
  }

  /** Where each request not routed in history stopped: the topics (read_committed) and history tables it reached. */
  async function whereMissing(requestIds: readonly string[]): Promise<string> {
    const routed = await db.query<{ request_id: string }>(
      `SELECT request_id FROM history.tickets WHERE request_id = ANY($1) AND status = 'routed'`,
      [requestIds],
    );
    const done = new Set(routed.rows.map((row) => row.request_id));
    const missing = requestIds.filter((id) => !done.has(id));
    const reader = new KafkaTestClient(testBrokers());
    try {
      const topics = [Topics.requests, Topics.ticketsSubmitted, Topics.ticketsRouted, Topics.requestsRejected];
      const records = await reader.collect(topics);
      const ends = await Promise.all(topics.map((topic) => topicEndOffsets(testBrokers(), topic)));
      const total = ends.flat().reduce((sum, end) => sum + Number(end.offset), 0);
      // read_committed stops short of aborted records and markers: wait until the count is stable.
      let seen = -1;
      for (
        let round = 0;
        round < 60 && (records.length !== seen || records.length === 0) && records.length < total;
        round += 1
      ) {
        seen = records.length;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      const lines: string[] = [];
      for (const requestId of missing.slice(0, 20)) {
        const mentions = records.filter((record) => record.value?.includes(`"${requestId}"`));
        const ticketIds = new Set(
          mentions.flatMap((record) =>
            [...(record.value ?? '').matchAll(/"ticketId":"([^"]+)"/g)].map((match) => match[1] ?? ''),
          ),
        );
        const onRouted = records.filter(
          (record) =>
            record.topic === Topics.ticketsRouted && [...ticketIds].some((id) => id && record.value?.includes(id)),
        );
        const tickets = await db.query<{ ticket_id: string; status: string; request_id: string | null }>(
          `SELECT ticket_id, status, request_id FROM history.tickets WHERE request_id = $1 OR ticket_id = ANY($2)`,
          [requestId, [...ticketIds]],
        );
        const events = await db.query<{ topic: string }>(`SELECT topic FROM history.events WHERE ticket_id = ANY($1)`, [
          [...ticketIds],
        ]);
        lines.push(
          `  ${requestId}: ${[...mentions, ...onRouted].map((record) => `${record.topic}[${record.partition}]@${record.offset}`).join(', ') || 'on no topic'}; ` +
            `tickets ${JSON.stringify(tickets.rows)}; history events ${events.rows.map((row) => row.topic).join(', ') || 'none'}`,
        );
      }
      return `${missing.length} missing (read ${records.length} of ${total} records):\n${lines.join('\n')}`;
    } finally {
      await reader.close();
    }
  }

  /**
   * Produces the requests 20 every 250 ms, as upstream apps would: a send Kafka does not acknowledge
   * is retried (it may then land twice). `between` runs after each chunk (e.g. to add poison).
   * Resolves to the number of retried sends.
   */
  async function produceBurst(
    accepted: readonly UpstreamRequestPayload[],
    between?: (start: number) => Promise<void>,
  ): Promise<number> {
    let retriedSends = 0;
    for (let start = 0; start < accepted.length; start += 20) {
      const chunk = accepted
        .slice(start, start + 20)
        .map((item) => ({ key: item.requestId, value: JSON.stringify(item) }));
      for (;;) {
        try {
          await kafka.produce(Topics.requests, chunk);
          break;
        } catch {
          retriedSends += 1;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      await between?.(start);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return retriedSends;
  }

  /** What an orchestrator does: every service that exited is started again; returns their names. */
  async function restartExited(): Promise<string[]> {
    const restarted: string[] = [];
    for (const [name, service] of services) {
      if (!service.running) {
        restarted.push(name);
        await service.start(90_000);
      }
    }
    return restarted;
  }

  async function auditChainVerifies(): Promise<boolean> {
    const token = await userToken({ sub: 'auditor-faults', roles: ['auditor:global'] });
    const response = await fetch(`${services.get('history')?.url ?? ''}/v1/audit/verify`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return ((await response.json()) as { ok: boolean }).ok;
  }

  it('records every accepted request exactly once, in order, whatever is killed; poison is parked, never lost', async () => {
    const accepted = Array.from({ length: BURST }, (_, index) => request(index, suffix));
    const poisonMarker = `poison-${suffix}`;
    const kills: { name: string; at: number }[] = [];
    // 20 requests every 250 ms: the kills are spread over the time the burst takes.
    const killEvery = Math.max(1_000, Math.floor(((BURST / 80) * 1_000) / (SERVICES.length + 1)));
    const started = Date.now();

    const producing = produceBurst(accepted, async (start) => {
      if (start % 200 !== 0) return;
      await kafka.produce(Topics.requests, [
        { key: null, value: `{"requestId": "${poisonMarker}-json-${start}", ` },
        { key: null, value: JSON.stringify({ requestId: `${poisonMarker}-payload-${start}`, channel: 'fax' }) },
      ]);
      // Records whose rejection or dead letter would not fit in a Kafka record unless cut: each alone
      // in its produce request (together they would exceed the broker's limit for the test's producer).
      await kafka.produce(Topics.requests, [
        {
          key: `${poisonMarker}-near-limit-${start}`,
          value: `{"requestId":"${poisonMarker}-near-limit-${start}","message":"${'x'.repeat(1_000_000)}"}`,
        },
      ]);
      await kafka.produce(Topics.requests, [
        { key: `${poisonMarker}-controls-${start}`, value: '\u0001'.repeat(180_000) },
      ]);
      await kafka.produce(Topics.ticketsSubmitted, [
        { key: `${poisonMarker}-${start}`, value: `not json ${poisonMarker}-${start}` },
      ]);
      await kafka.produce(Topics.ticketsSubmitted, [
        {
          key: `${poisonMarker}-oversized-${start}`,
          value: `{"ticketId":"${poisonMarker}-oversized-${start}","message":"${'y'.repeat(1_000_000)}"}`,
        },
      ]);
    });
    // Kills while the burst is being produced; each service comes back in the background
    // (a restarted member waits out the dead one's session before it owns partitions again).
    const restarts: Promise<unknown>[] = [];
    for (const name of SERVICES) {
      await new Promise((resolve) => setTimeout(resolve, killEvery));
      const service = services.get(name);
      if (!service) throw new Error(name);
      await service.kill();
      kills.push({ name, at: Date.now() - started });
      restarts.push(service.start(90_000));
    }
    await producing;
    const producedIn = Date.now() - started;
    await Promise.all(restarts);
    const poisonBatches = Math.ceil(BURST / 200);

    const recorded = await checkRecorded(accepted);
    const rejected = await db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM history.events WHERE topic = $1`,
      [Topics.requestsRejected],
    );
    // Two bad tickets per batch (one not JSON, one oversized), each parked by routing and by history.
    const dlq = await eventually(() => {
      const parked = dlqTail.records.filter((record) => record.value?.includes(poisonMarker));
      expect(parked.length).toBe(poisonBatches * 4);
      return parked;
    });
    // Stopped now: the next test restarts the broker, and a tail left running would outlive the suite.
    await dlqTail.stop();
    const verifies = await auditChainVerifies();
    process.stderr.write(
      `[faults] burst produced in ${producedIn} ms; kills ${kills.map((kill) => `${kill.name}@${kill.at}ms`).join(', ')}; accepted ${BURST}, in history ${recorded.inHistory}, with duplicates ${recorded.duplicated}, ` +
        `out of order ${recorded.outOfOrder}, rejected recorded ${rejected.rows[0]?.count}, dead-lettered ${dlq.length}\n`,
    );

    expect(kills.map((kill) => kill.name)).toEqual([...SERVICES]);
    expect(Math.max(...kills.map((kill) => kill.at))).toBeLessThan(producedIn);
    expect(recorded).toEqual({ inHistory: BURST, duplicated: 0, outOfOrder: 0, wrongAlerts: 0 });
    // Four bad requests per batch: not JSON, an invalid payload, one near the broker's limit, 180 KB of control characters.
    expect(rejected.rows[0]?.count).toBe(poisonBatches * 4);
    expect(new Set(dlq.map((record) => record.topic)).size).toBe(2);
    expect(dlq.filter((record) => record.headers.dlq_value_truncated === 'true')).toHaveLength(poisonBatches * 2);
    expect(verifies).toBe(true);
  }, 300_000);

  it('loses nothing and duplicates nothing when the broker restarts during a burst', async () => {
    const infra = (await import(resolve(process.cwd(), 'dist/tools/infra/index.js'))) as InfraTools;
    if (testBrokers().join(',') !== infra.localBrokers('test').join(',')) {
      process.stderr.write('[faults] broker restart skipped: the broker was not started by this project\n');
      return;
    }
    const accepted = Array.from({ length: BURST }, (_, index) => request(BURST + index, suffix));
    const started = Date.now();
    const producing = produceBurst(accepted);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const downAt = Date.now() - started;
    // Only a broker this project started (and owns) is stopped; one it found running is left alone.
    const stopped = await infra.stopInfrastructure({ profile: 'test', only: ['kafka'] });
    if (stopped.length > 0) await infra.ensureInfrastructure({ profile: 'test', log: () => undefined });
    const backAt = Date.now() - started;
    const retriedSends = await producing;
    const restarted = await restartExited();
    const recorded = await checkRecorded(accepted);
    process.stderr.write(
      `[faults] broker down from ${downAt} to ${backAt} ms; sends retried ${retriedSends}; services restarted ${restarted.join(', ') || 'none'}; ` +
        `accepted ${BURST}, in history ${recorded.inHistory}, with duplicates ${recorded.duplicated}, out of order ${recorded.outOfOrder}\n`,
    );

    if (stopped.length === 0)
      process.stderr.write(
        '[faults] broker restart skipped: the test broker was running before this run, so it is not ours to stop\n',
      );
    else expect(stopped).toEqual(['test:kafka']);
    // Every consumer rides out the outage (restarts with backoff) instead of exiting.
    expect(restarted).toEqual([]);
    expect(recorded).toEqual({ inHistory: BURST, duplicated: 0, outOfOrder: 0, wrongAlerts: 0 });
  }, 300_000);

  // Registered only where the test database's server can be restarted (see restartPostgres).
  (canRestartPostgres() ? it : it.skip)(
    'loses nothing and duplicates nothing when PostgreSQL restarts during a burst',
    async () => {
      const accepted = Array.from({ length: BURST }, (_, index) => request(2 * BURST + index, suffix));
      const started = Date.now();
      const producing = produceBurst(accepted);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const restartAt = Date.now() - started;
      // Every service's sessions are cut (fast shutdown) while each of them has work in flight.
      const restart = await restartPostgres(testDatabaseUrl());
      const backAt = Date.now() - started;
      await producing;
      if (!restart.restarted) throw new Error(`PostgreSQL could not be restarted: ${restart.why}`);
      await db.end().catch(() => undefined);
      db = await connectChecker();
      const restarted = await restartExited();
      const recorded = await checkRecorded(accepted);
      const verifies = await auditChainVerifies();
      process.stderr.write(
        `[faults] PostgreSQL restarted (${restart.how}) from ${restartAt} to ${backAt} ms (${restart.tookMs} ms until it accepted connections); ` +
          `services restarted ${restarted.join(', ') || 'none'}; accepted ${BURST}, in history ${recorded.inHistory}, with duplicates ${recorded.duplicated}, ` +
          `out of order ${recorded.outOfOrder}, chain verifies ${verifies}\n`,
      );

      expect(restarted).toEqual([]);
      expect(recorded).toEqual({ inHistory: BURST, duplicated: 0, outOfOrder: 0, wrongAlerts: 0 });
      expect(verifies).toBe(true);
    },
    300_000,
  );
});
