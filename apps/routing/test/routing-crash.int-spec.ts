import { randomUUID } from 'node:crypto';
import { Topics, toCloudEventHeaders, topicSpec } from '#contracts';
import type { TicketSubmittedPayload } from '#contracts';
import {
  eventually,
  KafkaTestClient,
  ServiceProcess,
  submittedTicket,
  tailTopics,
  testBrokers,
  uniqueSuffix,
} from '#testing';
import type { ReadRecord, TopicTail } from '#testing';
import { RoutingConsumer } from '../src/routing/routing.consumer.js';

const BURST = 4_500;
const OUTPUT_TOPICS = [Topics.ticketsRouted, Topics.queuePsm, Topics.queueSupport, Topics.alertsPhoneDesk];

/** A third of each kind: chat (PSM queue), form bug (support queue), urgent phone access (support queue and an alert). */
function ticketOfKind(index: number, orgId: string): TicketSubmittedPayload {
  const ticketId = randomUUID();
  const requester = { userId: `user-${index}`, orgId, email: 'someone@example.org', name: null };
  switch (index % 3) {
    case 0:
      return submittedTicket({
        ticketId,
        channel: 'chat',
        requestType: null,
        subject: null,
        message: 'How do I export the register?',
        requester,
      });
    case 1:
      return submittedTicket({ ticketId, channel: 'form', requestType: 'bug', requester });
    default:
      return submittedTicket({
        ticketId,
        channel: 'phone',
        requestType: null,
        subject: null,
        message: 'Connexion impossible, compte bloqué',
        urgency: 'high',
        workspaceTesting: null,
        requester,
      });
  }
}

describe(`${RoutingConsumer.name} killed mid-transaction (SIGKILL mid-burst)`, () => {
  let routing: ServiceProcess;
  let kafka: KafkaTestClient;
  const tails: TopicTail[] = [];

  beforeAll(async () => {
    kafka = new KafkaTestClient(testBrokers());
    routing = new ServiceProcess('routing', { KAFKA_BROKERS: testBrokers().join(',') });
    await routing.start();
  });

  afterAll(async () => {
    await routing?.stop();
    await Promise.all(tails.map((tail) => tail.stop()));
    await kafka?.close();
  });

  it('publishes exactly one routed and one queue event per ticket (and one alert per urgent access) for read_committed readers', async () => {
    const orgId = `org-crash-${uniqueSuffix()}`;
    const tickets = Array.from({ length: BURST }, (_, index) => ticketOfKind(index, orgId));
    const ticketIds = new Set(tickets.map((ticket) => ticket.ticketId));
    const alerting = new Set(tickets.filter((ticket) => ticket.channel === 'phone').map((ticket) => ticket.ticketId));
    const committed = await tailTopics(kafka, OUTPUT_TOPICS);
    // Sees the records of aborted transactions too.
    const uncommitted = await tailTopics(kafka, OUTPUT_TOPICS, { readUncommitted: true });
    tails.push(committed, uncommitted);
    const ours = (records: readonly ReadRecord[]): ReadRecord[] =>
      records.filter((record) => record.key !== null && ticketIds.has(record.key));
    const records = tickets.map((ticket) => ({
      key: ticket.ticketId,
      value: JSON.stringify(ticket),
      headers: toCloudEventHeaders({
        id: randomUUID(),
        source: '/tests',
        type: topicSpec(Topics.ticketsSubmitted).eventType,
        time: ticket.receivedAt,
        subject: ticket.ticketId,
      }),
    }));

    const producing = (async () => {
      for (let start = 0; start < BURST; start += 500)
        await kafka.produce(Topics.ticketsSubmitted, records.slice(start, start + 500));
    })();
    // Killed mid-stream, preferably at a moment read_uncommitted sees more than read_committed: often
    // (not always, the readers lag differently) while a transaction has written and not committed.
    const atKill = await eventually(
      () => {
        const routedSoFar = ours(committed.records).filter((record) => record.topic === Topics.ticketsRouted).length;
        const writtenSoFar = ours(uncommitted.records).filter((record) => record.topic === Topics.ticketsRouted).length;
        expect(routedSoFar).toBeGreaterThan(BURST / 10);
        // Past a third of the burst, kill anyway: the kill must land mid-stream.
        if (routedSoFar < BURST / 3) expect(writtenSoFar).toBeGreaterThan(routedSoFar);
        return routedSoFar;
      },
      { timeoutMs: 60_000, intervalMs: 2 },
    );
    await routing.kill();
    await producing;
    await routing.start();

    expect(atKill).toBeLessThan(BURST);
    // The tails read each topic at their own pace: wait until every topic has been read to the end.
    const perTicket = await eventually(
      () => {
        const counts = countPerTicket(ours(committed.records));
        expect(counts.get(Topics.ticketsRouted)?.size).toBe(BURST);
        expect((counts.get(Topics.queuePsm)?.size ?? 0) + (counts.get(Topics.queueSupport)?.size ?? 0)).toBe(BURST);
        expect(counts.get(Topics.alertsPhoneDesk)?.size).toBe(alerting.size);
        return counts;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const duplicates = (topic: string): string[] =>
      [...(perTicket.get(topic) ?? [])].filter(([, count]) => count > 1).map(([ticketId]) => ticketId);
    expect(duplicates(Topics.ticketsRouted)).toEqual([]);
    expect(duplicates(Topics.queuePsm)).toEqual([]);
    expect(duplicates(Topics.queueSupport)).toEqual([]);
    expect(duplicates(Topics.alertsPhoneDesk)).toEqual([]);
    expect(
      new Set([
        ...(perTicket.get(Topics.queuePsm)?.keys() ?? []),
        ...(perTicket.get(Topics.queueSupport)?.keys() ?? []),
      ]),
    ).toEqual(ticketIds);
    expect(perTicket.get(Topics.queuePsm)?.size).toBe(BURST / 3);
    expect(new Set(perTicket.get(Topics.alertsPhoneDesk)?.keys())).toEqual(alerting);

    // The records of the transaction the kill interrupted are in the log, marked aborted: a
    // read_uncommitted reader sees them as duplicates, which is what the transactions hide.
    await eventually(
      () =>
        expect(
          ours(uncommitted.records).filter((record) => record.topic === Topics.ticketsRouted).length,
        ).toBeGreaterThanOrEqual(BURST),
      {
        timeoutMs: 30_000,
      },
    );
    const aborted = ours(uncommitted.records).filter((record) => record.topic === Topics.ticketsRouted).length - BURST;
    process.stderr.write(
      `[routing crash] routed before the kill: ${atKill}; aborted routed records visible to read_uncommitted: ${aborted}\n`,
    );
  });
});

/** topic -> ticketId -> number of records. */
function countPerTicket(records: readonly ReadRecord[]): Map<string, Map<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  for (const record of records) {
    if (record.key === null) continue;
    const perTopic = counts.get(record.topic) ?? new Map<string, number>();
    perTopic.set(record.key, (perTopic.get(record.key) ?? 0) + 1);
    counts.set(record.topic, perTopic);
  }
  return counts;
}
