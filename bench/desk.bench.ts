/**
 * Desk and conversations, with the five services as processes on the test-profile broker and an
 * isolated database:
 *
 * 1. follow-ups/s: BENCH_FOLLOW_UPS (default 10,000) requesters' follow-ups to BENCH_TICKETS (500)
 *    email tickets, sent at once to support.requests.v1, from intake to visible in desk (its
 *    conversation) and in history (the audit chain); target 1,000/s each;
 * 2. public reply -> mail: BENCH_REPLY_RATE (50) replies/s for BENCH_REPLY_SECONDS (20) through desk's
 *    HTTP API, until the SMTP receiver accepted the mail; target p99 < 1 s;
 * 3. SSE fan-out: BENCH_AGENTS (200) agents connected to desk's stream, BENCH_CLAIMS (100) claims at
 *    10/s; from the claim's answer to the event at every agent; target p99 < 500 ms.
 *
 * Prints a table and writes bench/results/desk.json.
 */
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ConsumerGroups, Topics } from '#contracts';
import type { UpstreamRequestPayload } from '#contracts';
import {
  KafkaTestClient,
  SmtpReceiver,
  SseClient,
  WebhookReceiver,
  freePort,
  isolatedDatabase,
  startGroupAtEnd,
  userToken,
  webhookSecret,
} from '#testing';
import { ensureContractTopics } from '../tools/infra/index.js';
import {
  benchInfrastructure,
  machine,
  percentile,
  printTable,
  startService,
  stopService,
  writeResult,
} from './bench-support.js';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 500);
const FOLLOW_UPS = Number(process.env.BENCH_FOLLOW_UPS ?? 10_000);
const REPLY_RATE = Number(process.env.BENCH_REPLY_RATE ?? 50);
const REPLY_SECONDS = Number(process.env.BENCH_REPLY_SECONDS ?? 20);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 200);
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 100);
const CLAIM_RATE = 10;
const PRODUCE_CHUNK = 1_000;
const WATCH_INTERVAL_MS = 50;

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

interface BenchTicket {
  readonly ticketId: string;
  readonly reference: string;
  readonly email: string;
}

/** Waits until `count()` reaches `target`; the time it did, or undefined after `timeoutMs`. */
async function until(count: () => Promise<number>, target: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await count()) >= target) return Date.now();
    if (Date.now() > deadline) return undefined;
    await sleep(WATCH_INTERVAL_MS);
  }
}

async function produceAll(kafka: KafkaTestClient, requests: readonly UpstreamRequestPayload[]): Promise<void> {
  for (let start = 0; start < requests.length; start += PRODUCE_CHUNK) {
    await kafka.produce(
      Topics.requests,
      requests
        .slice(start, start + PRODUCE_CHUNK)
        .map((request) => ({ key: request.requestId, value: JSON.stringify(request) })),
    );
  }
}

/** Paced calls: `total` of them at `rate` per second, each awaited in the background. */
async function paced<T>(total: number, rate: number, call: (index: number) => Promise<T>): Promise<T[]> {
  const started = Date.now();
  const calls: Promise<T>[] = [];
  for (let index = 0; index < total; index += 1) {
    const due = started + (index * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    calls.push(call(index));
  }
  return Promise.all(calls);
}

function stats(samples: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...samples].sort((left, right) => left - right);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

async function main(): Promise<void> {
  const infra = await benchInfrastructure();
  const brokers = infra.brokers.split(',');
  await ensureContractTopics(brokers, log);
  const database = await isolatedDatabase(infra.databaseUrl, 'desk_bench');
  const smtp = await new SmtpReceiver().start();
  const secret = webhookSecret();
  const webhooks = await new WebhookReceiver({ secret }).start();
  const kafka = new KafkaTestClient(brokers);
  const watcher = new pg.Client({ connectionString: database.url });
  const services: ChildProcess[] = [];
  const streams: SseClient[] = [];
  try {
    for (const group of Object.values(ConsumerGroups))
      await startGroupAtEnd(
        brokers,
        group,
        Object.values(Topics).filter((topic) => topic !== Topics.psmAssignments),
      );
    const common = { KAFKA_BROKERS: infra.brokers, DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
    const deskPort = await freePort();
    log('starting intake, routing, notification, history and desk');
    services.push(await startService('intake', await freePort(), common));
    services.push(await startService('routing', await freePort(), common));
    services.push(
      await startService('notification', await freePort(), {
        ...common,
        SMTP_URL: smtp.url,
        NOTIFY_WEBHOOK_SECRET: secret,
        NOTIFY_RECIPIENTS: JSON.stringify({
          requester: { channel: 'email' },
          support: { channel: 'webhook', url: webhooks.url('/support') },
          psm: { default: { channel: 'webhook', url: webhooks.url('/psm') } },
          'phone-desk': { channel: 'webhook', url: webhooks.url('/desk') },
          'on-call': { channel: 'webhook', url: webhooks.url('/on-call') },
        }),
        ALERT_MAX_ESCALATIONS: '0',
      }),
    );
    services.push(await startService('history', await freePort(), common, ['--max-semi-space-size=64']));
    services.push(await startService('desk', deskPort, common));
    const desk = `http://127.0.0.1:${deskPort}`;
    await watcher.connect();
    const count = async (sql: string, parameters: unknown[] = []): Promise<number> =>
      Number((await watcher.query<{ count: string }>(sql, parameters)).rows[0]?.count ?? 0);

    // The tickets the follow-ups and replies go to: email requests, each from its own address.
    const requests = Array.from({ length: TICKETS }, (_, index) => ({
      requestId: `bench-ticket-${randomUUID()}`,
      channel: 'email' as const,
      subject: `Export question ${index}`,
      message: `How do I export the register? (${index})`,
      requester: { email: `requester-${index}-${randomUUID().slice(0, 8)}@example.org` },
    }));
    log(`setting up ${TICKETS} email tickets`);
    await produceAll(kafka, requests);
    const requestIds = requests.map((request) => request.requestId);
    const queued = await until(
      () => count(`SELECT count(*) FROM desk.tickets WHERE request_id = ANY($1) AND queue IS NOT NULL`, [requestIds]),
      TICKETS,
      300_000,
    );
    if (queued === undefined) throw new Error('the tickets did not all reach desk within 300 s');
    const rows = await watcher.query<{ ticket_id: string; reference: string; request_id: string }>(
      `SELECT ticket_id, reference, request_id FROM desk.tickets WHERE request_id = ANY($1)`,
      [requestIds],
    );
    const emailOf = new Map(requests.map((request) => [request.requestId, request.requester.email]));
    const tickets: BenchTicket[] = rows.rows.map((row) => ({
      ticketId: row.ticket_id,
      reference: row.reference,
      email: emailOf.get(row.request_id) ?? '',
    }));
    const ticketIds = tickets.map((ticket) => ticket.ticketId);
    // Acknowledgements and staff notices of the setup settle before anything is measured.
    await until(async () => smtp.messages.length, TICKETS, 120_000);

    // 1. Follow-ups, all at once.
    const followUps: UpstreamRequestPayload[] = Array.from({ length: FOLLOW_UPS }, (_, index) => {
      const ticket = tickets[index % tickets.length]!;
      return {
        requestId: `bench-follow-up-${randomUUID()}`,
        channel: 'email',
        subject: `Re: [${ticket.reference}] Export question`,
        message: `Any news? (${index})`,
        requester: { email: ticket.email },
      };
    });
    const historyBefore = await count(`SELECT count(*) FROM history.events WHERE topic = $1`, [Topics.ticketsMessages]);
    log(`follow-ups: ${FOLLOW_UPS} to ${TICKETS} tickets`);
    const followUpStart = Date.now();
    await produceAll(kafka, followUps);
    const [inDesk, inHistory] = await Promise.all([
      until(
        () =>
          count(`SELECT count(*) FROM desk.messages WHERE direction = 'inbound' AND ticket_id = ANY($1)`, [ticketIds]),
        FOLLOW_UPS,
        300_000,
      ),
      until(
        async () =>
          (await count(`SELECT count(*) FROM history.events WHERE topic = $1`, [Topics.ticketsMessages])) -
          historyBefore,
        FOLLOW_UPS,
        300_000,
      ),
    ]);
    const rate = (end: number | undefined): number =>
      end === undefined ? 0 : Math.round(FOLLOW_UPS / ((end - followUpStart) / 1000));

    // 2. Public replies through desk, paced, until the SMTP receiver accepted each mail.
    const agent = await userToken({ sub: 'bench-agent', roles: ['agent'] });
    const replies = REPLY_RATE * REPLY_SECONDS;
    log(`replies: ${replies} at ${REPLY_RATE}/s`);
    const mailsBefore = smtp.messages.length;
    const postedAt = new Map<string, number>();
    const answers = await paced(replies, REPLY_RATE, async (index) => {
      const ticket = tickets[index % tickets.length]!;
      const marker = `bench-reply-${index}-${randomUUID().slice(0, 8)}`;
      postedAt.set(marker, Date.now());
      const response = await fetch(`${desk}/v1/desk/tickets/${ticket.ticketId}/reply`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: `Here is the answer. ${marker}`, visibility: 'public' }),
      });
      await response.body?.cancel();
      return response.status;
    });
    const refused = answers.filter((status) => status !== 200).length;
    await until(async () => smtp.messages.length - mailsBefore, replies - refused, 120_000);
    const mailDelays: number[] = [];
    for (const mail of smtp.messages.slice(mailsBefore)) {
      const marker = /bench-reply-\d+-[0-9a-f]{8}/.exec(mail.text)?.[0];
      const posted = marker === undefined ? undefined : postedAt.get(marker);
      if (posted !== undefined) mailDelays.push(mail.receivedAt - posted);
    }

    // 3. SSE fan-out: every agent's stream, and claims that each of them must see.
    log(`stream: ${AGENTS} agents, ${CLAIMS} claims at ${CLAIM_RATE}/s`);
    for (let index = 0; index < AGENTS; index += 1) {
      const token = await userToken({ sub: `bench-agent-${index}`, roles: ['agent'] });
      streams.push(await SseClient.connect(`${desk}/v1/desk/stream`, { authorization: `Bearer ${token}` }));
    }
    const claimer = await userToken({ sub: 'bench-claimer', roles: ['agent'] });
    const claimedAt = new Map<string, number>();
    await paced(Math.min(CLAIMS, tickets.length), CLAIM_RATE, async (index) => {
      const ticket = tickets[index]!;
      const response = await fetch(`${desk}/v1/desk/tickets/${ticket.ticketId}/claim`, {
        method: 'POST',
        headers: { authorization: `Bearer ${claimer}` },
      });
      await response.body?.cancel();
      if (response.status === 200) claimedAt.set(ticket.ticketId, Date.now());
    });
    const expected = claimedAt.size * AGENTS;
    const seen = (): { delays: number[]; missing: number } => {
      const delays: number[] = [];
      for (const stream of streams) {
        for (const event of stream.of('ticket.assigned')) {
          const ticketId = (JSON.parse(event.data) as { ticketId: string }).ticketId;
          const claimed = claimedAt.get(ticketId);
          if (claimed !== undefined) delays.push(event.receivedAt - claimed);
        }
      }
      return { delays, missing: expected - delays.length };
    };
    await until(async () => expected - seen().missing, expected, 60_000);
    const fanOut = seen();

    const mail = stats(mailDelays);
    const stream = stats(fanOut.delays);
    const table = [
      {
        measure: `follow-ups/s, intake -> visible in desk (${FOLLOW_UPS} at once)`,
        value: rate(inDesk),
        target: '>= 1000',
        met: rate(inDesk) >= 1000 ? 'yes' : 'NO',
      },
      {
        measure: 'follow-ups/s, intake -> recorded in history',
        value: rate(inHistory),
        target: '>= 1000',
        met: rate(inHistory) >= 1000 ? 'yes' : 'NO',
      },
      {
        measure: `public reply -> mail accepted p50 (${REPLY_RATE}/s)`,
        value: `${mail.p50} ms`,
        target: '-',
        met: '-',
      },
      {
        measure: 'public reply -> mail accepted p99',
        value: `${mail.p99} ms`,
        target: '< 1000 ms',
        met: mail.p99 < 1000 && mailDelays.length === replies ? 'yes' : 'NO',
      },
      { measure: `claim -> event at each of ${AGENTS} agents p50`, value: `${stream.p50} ms`, target: '-', met: '-' },
      {
        measure: `claim -> event at each of ${AGENTS} agents p99`,
        value: `${stream.p99} ms`,
        target: '< 500 ms',
        met: stream.p99 < 500 && fanOut.missing === 0 ? 'yes' : 'NO',
      },
    ];
    printTable(
      `Desk (${TICKETS} tickets; ${replies} replies, ${refused} refused, ${mailDelays.length} mails matched; ${fanOut.missing} stream events missing)`,
      table,
    );
    const file = writeResult('desk', {
      machine: machine(),
      settings: { TICKETS, FOLLOW_UPS, REPLY_RATE, REPLY_SECONDS, AGENTS, CLAIMS, CLAIM_RATE },
      followUps: { desk: rate(inDesk), history: rate(inHistory) },
      replies: { sent: replies, refused, matched: mailDelays.length, ...mail },
      stream: { expected, missing: fanOut.missing, ...stream },
      table,
    });
    log(`results written to ${file}`);
  } finally {
    await Promise.all(streams.map((stream) => stream.close()));
    for (const service of services.reverse()) await stopService(service).catch(() => undefined);
    await watcher.end().catch(() => undefined);
    await kafka.close();
    await smtp.stop();
    await webhooks.stop();
    await database.drop().catch(() => undefined);
    await infra.release();
  }
}

await main();
