import { randomUUID } from 'node:crypto';
import { ConsumerGroups, Topics, deadLetterTopic, deterministicUuid } from '#contracts';
import { DeadLetterHeaders } from '#kafka';
import {
  KafkaTestClient,
  ServiceProcess,
  eventually,
  submittedTicket,
  tailTopics,
  testBrokers,
  testDatabaseUrl,
  upstreamRequest,
  userToken,
} from '#testing';
import type { ReadRecord } from '#testing';

interface TimelineEntry {
  type: string;
  ruleId?: string;
  reason?: string;
}

interface TicketView {
  ticketId: string;
  status: string;
  queue: string | null;
  priority: string | null;
  timeline: TimelineEntry[];
}

describe('Ticket pipeline (five services, real Kafka and PostgreSQL)', () => {
  const env = (): Record<string, string> => ({
    KAFKA_BROKERS: testBrokers().join(','),
    DATABASE_URL: testDatabaseUrl(),
  });
  let intake: ServiceProcess;
  let routing: ServiceProcess;
  let notification: ServiceProcess;
  let history: ServiceProcess;
  let desk: ServiceProcess;
  let kafka: KafkaTestClient;
  let auditor: { authorization: string };

  beforeAll(async () => {
    auditor = { authorization: `Bearer ${await userToken({ sub: 'auditor-e2e', roles: ['auditor:global'] })}` };
    kafka = new KafkaTestClient(testBrokers());
    intake = new ServiceProcess('intake', env());
    routing = new ServiceProcess('routing', env());
    notification = new ServiceProcess('notification', env());
    history = new ServiceProcess('history', env());
    desk = new ServiceProcess('desk', env());
    await Promise.all([intake.start(), routing.start(), notification.start(), history.start(), desk.start()]);
  });

  afterAll(async () => {
    await Promise.all([intake, routing, notification, history, desk].map((service) => service?.stop()));
    await kafka?.close();
  });

  async function ticketInHistory(ticketId: string): Promise<TicketView> {
    return eventually(
      async () => {
        const response = await fetch(`${history.url}/v1/tickets/${ticketId}`, { headers: auditor });
        expect(response.status).toBe(200);
        const ticket = (await response.json()) as TicketView;
        expect(ticket.status).toBe('routed');
        return ticket;
      },
      { timeoutMs: 20_000 },
    );
  }

  it('runs every service on Node.js 24, as its metrics say', async () => {
    const versions = await Promise.all(
      [intake, routing, notification, history, desk].map(async (service) => {
        const metrics = await (await fetch(`${service.url}/metrics`)).text();
        return /^nodejs_version_info\{[^}]*version="(v\d+)\./m.exec(metrics)?.[1];
      }),
    );

    expect(versions).toEqual(['v24', 'v24', 'v24', 'v24', 'v24']);
  });

  it('records a ticket POSTed over HTTP, with its routing decision', async () => {
    const token = await userToken({ sub: `user-${randomUUID()}`, org: 'org-without-psm', email: 'user@example.com' });

    const tail = await tailTopics(kafka, [
      Topics.ticketsSubmitted,
      Topics.ticketsRouted,
      Topics.queuePsm,
      Topics.notifications,
    ]);
    const traceId = randomUUID().replace(/-/g, '');

    const response = await fetch(`${intake.url}/v1/requests`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ channel: 'chat', message: 'How do I document a new processing activity?' }),
    });

    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { ticketId: string; reference: string; status: string };
    expect(accepted.status).toBe('received');
    expect(accepted.reference).toMatch(/^SR-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const ticket = await ticketInHistory(accepted.ticketId);
    expect(ticket.queue).toBe('psm');
    expect(ticket.priority).toBe('P3');
    const routed = ticket.timeline.find((entry) => entry.type === 'support.ticket.routed.v1');
    expect(routed?.ruleId).toBe('chat-to-psm');
    expect(routed?.reason).toContain('PSM pool');
    // The queue event travels on its own topic: it may be recorded a moment after the routing decision.
    await eventually(async () => {
      const refreshed = (await (
        await fetch(`${history.url}/v1/tickets/${accepted.ticketId}`, { headers: auditor })
      ).json()) as TicketView;
      expect(refreshed.timeline.map((entry) => entry.type)).toEqual(
        expect.arrayContaining([
          'support.ticket.submitted.v1',
          'support.ticket.routed.v1',
          'support.queue.psm.ticket.v1',
        ]),
      );
    });
    // One trace and one correlation id from the HTTP request to the queue, each hop a new span.
    const hops = await eventually(() => {
      const records = tail.records.filter(
        (record) => record.key === accepted.ticketId && record.topic !== Topics.notifications,
      );
      expect(records.map((record) => record.topic).sort()).toEqual(
        [Topics.queuePsm, Topics.ticketsRouted, Topics.ticketsSubmitted].sort(),
      );
      return records;
    });
    // The notification outcomes go through notification's outbox and still continue the trace.
    const outcomes = await eventually(() => {
      const records = tail.records.filter(
        (record) => record.key === accepted.ticketId && record.topic === Topics.notifications,
      );
      expect(records.length).toBeGreaterThan(0);
      return records;
    });
    await tail.stop();
    expect(new Set(hops.map((record) => record.headers.traceparent?.split('-')[1]))).toEqual(new Set([traceId]));
    expect(new Set(hops.map((record) => record.headers.traceparent)).size).toBe(2);
    expect(new Set([...hops, ...outcomes].map((record) => record.headers.ce_correlationid)).size).toBe(1);
    expect(new Set(outcomes.map((record) => record.headers.traceparent?.split('-')[1]))).toEqual(new Set([traceId]));
    const earlierSpans = new Set(hops.map((record) => record.headers.traceparent));
    expect(outcomes.filter((record) => earlierSpans.has(record.headers.traceparent))).toEqual([]);
  });

  it('records a plain JSON request produced by a bare Kafka producer, without any header', async () => {
    const request = upstreamRequest({
      channel: 'phone',
      message: 'Locked out of my account since this morning',
      urgency: 'high',
    });

    await kafka.produce(Topics.requests, [{ key: request.requestId, value: JSON.stringify(request) }]);

    const ticket = await ticketInHistory(deterministicUuid('ticket', request.requestId));
    expect(ticket.priority).toBe('P1');
    const routed = ticket.timeline.find((entry) => entry.type === 'support.ticket.routed.v1');
    expect(routed?.ruleId).toBe('urgent-access');
    await eventually(async () => {
      const refreshed = (await (
        await fetch(`${history.url}/v1/tickets/${ticket.ticketId}`, { headers: auditor })
      ).json()) as TicketView;
      expect(refreshed.timeline.map((entry) => entry.type)).toEqual(
        expect.arrayContaining(['support.alert.raised.v1', 'support.notification.v1']),
      );
    });
  });

  it('moves invalid JSON on the submitted topic to the routing DLQ and still routes the valid record behind it', async () => {
    const marker = randomUUID();
    const valid = submittedTicket({ channel: 'form', requestType: 'feature_request' });
    const dlq = await kafka.collect([deadLetterTopic(Topics.ticketsSubmitted, ConsumerGroups.routing)]);

    await kafka.produce(Topics.ticketsSubmitted, [
      { key: valid.ticketId, value: `{"broken": "${marker}"`, partition: 0 },
      { key: valid.ticketId, value: JSON.stringify(valid), partition: 0 },
    ]);

    const ticket = await ticketInHistory(valid.ticketId);
    expect(ticket.priority).toBe('P4');
    const dead: ReadRecord = await eventually(() => {
      const found = dlq.find((record) => record.value?.includes(marker));
      if (!found) throw new Error('invalid record not in the routing DLQ yet');
      return found;
    });
    expect(dead.headers[DeadLetterHeaders.code]).toBe('INVALID_JSON');
    expect(dead.headers[DeadLetterHeaders.topic]).toBe(Topics.ticketsSubmitted);
    expect(dead.headers[DeadLetterHeaders.partition]).toBe('0');
    expect(dead.headers[DeadLetterHeaders.group]).toBe(ConsumerGroups.routing);
    expect(dead.headers[DeadLetterHeaders.message]).toMatch(/JSON/);
    expect(dead.key).toBe(valid.ticketId);
  });
});
