import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Topics, toCloudEventHeaders } from '#contracts';
import {
  KafkaTestClient,
  ServiceProcess,
  eventually,
  submittedTicket,
  testBrokers,
  testDatabaseUrl,
  userToken,
} from '#testing';

const BURST = 1_000;

describe('History under a crash (SIGKILL mid-burst)', () => {
  let history: ServiceProcess;
  let kafka: KafkaTestClient;
  let db: pg.Client;

  beforeAll(async () => {
    kafka = new KafkaTestClient(testBrokers());
    history = new ServiceProcess('history', {
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: testDatabaseUrl(),
    });
    await history.start();
    db = new pg.Client({ connectionString: testDatabaseUrl() });
    await db.connect();
  });

  afterAll(async () => {
    await history?.stop();
    await kafka?.close();
    await db?.end();
  });

  async function recorded(ticketIds: string[]): Promise<{ tickets: number; submittedEvents: number }> {
    const tickets = await db.query<{ count: string }>(
      'SELECT count(*) FROM history.tickets WHERE ticket_id = ANY($1)',
      [ticketIds],
    );
    const events = await db.query<{ count: string }>(
      `SELECT count(*) FROM history.events WHERE ticket_id = ANY($1) AND topic = $2`,
      [ticketIds, Topics.ticketsSubmitted],
    );
    return { tickets: Number(tickets.rows[0]?.count), submittedEvents: Number(events.rows[0]?.count) };
  }

  it('keeps exactly 1,000 tickets: none lost, none twice, and an unbroken audit chain', async () => {
    const tickets = Array.from({ length: BURST }, () => submittedTicket({ ticketId: randomUUID() }));
    const ticketIds = tickets.map((ticket) => ticket.ticketId);
    const records = tickets.map((ticket) => ({
      key: ticket.ticketId,
      value: JSON.stringify(ticket),
      headers: toCloudEventHeaders({
        id: randomUUID(),
        source: '/tests',
        type: 'support.ticket.submitted.v1',
        time: ticket.receivedAt,
        subject: ticket.ticketId,
      }),
    }));

    const producing = (async () => {
      for (let start = 0; start < BURST; start += 25) {
        await kafka.produce(Topics.ticketsSubmitted, records.slice(start, start + 25));
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    const atKill = await eventually(
      async () => {
        const progress = await recorded(ticketIds);
        expect(progress.tickets).toBeGreaterThan(0);
        return progress;
      },
      { timeoutMs: 30_000, intervalMs: 10 },
    );
    await history.kill();
    await producing;
    await history.start();

    expect(atKill.tickets).toBeLessThan(BURST);
    await eventually(
      async () => expect(await recorded(ticketIds)).toEqual({ tickets: BURST, submittedEvents: BURST }),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const token = await userToken({ sub: 'auditor-e2e', roles: ['auditor:global'] });
    const verify = await fetch(`${history.url}/v1/audit/verify`, { headers: { authorization: `Bearer ${token}` } });
    expect(await verify.json()).toMatchObject({ ok: true });
  });
});
