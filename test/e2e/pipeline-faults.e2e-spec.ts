import pg from 'pg';
import { ConsumerGroups, Topics, deadLetterTopic } from '#contracts';
import type { UpstreamRequestPayload } from '#contracts';
import {
  KafkaTestClient,
  ServiceProcess,
  eventually,
  isolatedDatabase,
  startGroupAtEnd,
  tailTopics,
  testBrokers,
  testDatabaseUrl,
  uniqueSuffix,
  upstreamRequest,
  userToken,
} from '#testing';
import type { IsolatedDatabase, ServiceName, TopicTail } from '#testing';

/** FAULT_BURST requests (default 600 inside npm test; npm run test:faults uses more). */
const BURST = Number(process.env.FAULT_BURST ?? 600);
const SERVICES: readonly ServiceName[] = ['intake', 'routing', 'notification', 'history'];

function request(index: number, suffix: string): UpstreamRequestPayload {
  const requester = { email: `fault-${index}@example.org`, orgId: `org-fault-${suffix}`, userId: `fault-${suffix}-${index}` };
  if (index % 5 === 0)
    return upstreamRequest({
      requestId: `fault-${suffix}-${index}`,
      channel: 'phone',
      urgency: 'high',
      message: 'Compte bloqué, connexion impossible',
      requester,
    });
  if (index % 2 === 0) return upstreamRequest({ requestId: `fault-${suffix}-${index}`, channel: 'chat', message: 'How do I export the register?', requester });
  return upstreamRequest({ requestId: `fault-${suffix}-${index}`, channel: 'form', requestType: 'bug', message: 'The upload fails.', requester });
}

describe('the pipeline under faults (each service SIGKILLed in turn during a burst, poison messages)', () => {
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
    dlqTail = await tailTopics(kafka, [
      deadLetterTopic(Topics.ticketsSubmitted, ConsumerGroups.routing),
      deadLetterTopic(Topics.ticketsSubmitted, ConsumerGroups.history),
    ]);
    for (const name of SERVICES) services.set(name, new ServiceProcess(name, { KAFKA_BROKERS: testBrokers().join(','), DATABASE_URL: database.url }));
    await Promise.all([...services.values()].map((service) => service.start()));
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...services.values()].map((service) => service.stop()));
    await dlqTail?.stop();
    await kafka?.close();
    await db?.end();
    await database?.drop();
  });

  it('records every accepted request exactly once, in order, whatever is killed; poison is parked, never lost', async () => {
    const accepted = Array.from({ length: BURST }, (_, index) => request(index, suffix));
    const poisonMarker = `poison-${suffix}`;
    const kills: { name: string; at: number }[] = [];
    // 20 requests every 250 ms: the kills are spread over the time the burst takes.
    const killEvery = Math.max(1_000, Math.floor(((BURST / 80) * 1_000) / (SERVICES.length + 1)));
    const started = Date.now();

    const producing = (async () => {
      for (let start = 0; start < accepted.length; start += 20) {
        const chunk = accepted.slice(start, start + 20);
        await kafka.produce(
          Topics.requests,
          chunk.map((item) => ({ key: item.requestId, value: JSON.stringify(item) })),
        );
        if (start % 200 === 0) {
          await kafka.produce(Topics.requests, [
            { key: null, value: `{"requestId": "${poisonMarker}-json-${start}", ` },
            { key: null, value: JSON.stringify({ requestId: `${poisonMarker}-payload-${start}`, channel: 'fax' }) },
          ]);
          await kafka.produce(Topics.ticketsSubmitted, [{ key: `${poisonMarker}-${start}`, value: `not json ${poisonMarker}-${start}` }]);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
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

    const requestIds = accepted.map((item) => item.requestId);
    await eventually(
      async () => {
        const rows = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM history.tickets WHERE request_id = ANY($1) AND status = 'routed'`, [
          requestIds,
        ]);
        expect(rows.rows[0]?.count).toBe(BURST);
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const perTicket = await db.query<{ request_id: string; submitted: number; routed: number; queued: number; alerts: number; in_order: boolean }>(
      `SELECT t.request_id,
              count(*) FILTER (WHERE e.topic = $2)::int AS submitted,
              count(*) FILTER (WHERE e.topic = $3)::int AS routed,
              count(*) FILTER (WHERE e.topic IN ($4, $5))::int AS queued,
              count(*) FILTER (WHERE e.topic = $6)::int AS alerts,
              min(e.occurred_at) FILTER (WHERE e.topic = $2) <= min(e.occurred_at) FILTER (WHERE e.topic = $3) AS in_order
       FROM history.tickets t JOIN history.events e ON e.ticket_id = t.ticket_id
       WHERE t.request_id = ANY($1) GROUP BY t.request_id`,
      [requestIds, Topics.ticketsSubmitted, Topics.ticketsRouted, Topics.queuePsm, Topics.queueSupport, Topics.alertsPhoneDesk],
    );
    const rejected = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM history.events WHERE topic = $1`, [Topics.requestsRejected]);
    const dlq = await eventually(() => {
      const parked = dlqTail.records.filter((record) => record.value?.includes(poisonMarker));
      expect(parked.length).toBe(poisonBatches * 2);
      return parked;
    });
    const token = await userToken({ sub: 'auditor-faults', roles: ['auditor:global'] });
    const verify = (await (await fetch(`${services.get('history')?.url ?? ''}/v1/audit/verify`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      ok: boolean;
    };
    const inHistory = new Set(perTicket.rows.map((row) => row.request_id));
    const duplicated = perTicket.rows.filter((row) => row.submitted !== 1 || row.routed !== 1 || row.queued !== 1);
    const urgent = new Set(accepted.filter((_, index) => index % 5 === 0).map((item) => item.requestId));
    const wrongAlerts = perTicket.rows.filter((row) => row.alerts !== (urgent.has(row.request_id) ? 1 : 0));
    process.stderr.write(
      `[faults] burst produced in ${producedIn} ms; kills ${kills.map((kill) => `${kill.name}@${kill.at}ms`).join(', ')}; accepted ${BURST}, in history ${inHistory.size}, with duplicates ${duplicated.length}, ` +
        `out of order ${perTicket.rows.filter((row) => !row.in_order).length}, rejected recorded ${rejected.rows[0]?.count}, dead-lettered ${dlq.length}\n`,
    );

    expect(kills.map((kill) => kill.name)).toEqual([...SERVICES]);
    expect(Math.max(...kills.map((kill) => kill.at))).toBeLessThan(producedIn);
    expect([...inHistory].sort()).toEqual([...requestIds].sort());
    expect(duplicated).toEqual([]);
    expect(wrongAlerts).toEqual([]);
    expect(perTicket.rows.every((row) => row.in_order)).toBe(true);
    expect(rejected.rows[0]?.count).toBe(poisonBatches * 2);
    expect(new Set(dlq.map((record) => record.topic)).size).toBe(2);
    expect(verify.ok).toBe(true);
  }, 300_000);
});
