import { randomUUID } from 'node:crypto';
import { Topics, toCloudEventHeaders, topicSpec } from '#contracts';
import type { RoutingDecisionPayload, TicketRoutedPayload, TicketSubmittedPayload } from '#contracts';
import {
  eventually,
  KafkaTestClient,
  ServiceProcess,
  submittedTicket,
  tailTopics,
  testBrokers,
  uniqueSuffix,
  userToken,
} from '#testing';
import type { TopicTail } from '#testing';
import { PsmDirectory } from '../src/psm/psm-directory.js';

/** The routing service as a process, fed and read through the real broker. */
describe(PsmDirectory.name, () => {
  const orgId = `org-psm-${uniqueSuffix()}`;
  let routing: ServiceProcess;
  let kafka: KafkaTestClient;
  let routed: TopicTail;

  beforeAll(async () => {
    kafka = new KafkaTestClient(testBrokers());
    routing = new ServiceProcess('routing', { KAFKA_BROKERS: testBrokers().join(',') });
    await routing.start();
    routed = await tailTopics(kafka, [Topics.ticketsRouted]);
  });

  afterAll(async () => {
    await routing?.stop();
    await routed?.stop();
    await kafka?.close();
  });

  async function assign(psmId: string | null): Promise<void> {
    await kafka.produce(Topics.psmAssignments, [
      { key: orgId, value: psmId === null ? null : JSON.stringify({ orgId, psmId }) },
    ]);
  }

  async function preview(authorization?: string): Promise<Response> {
    return fetch(`${routing.url}/v1/routing/preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ channel: 'chat', message: 'How do I document a processing activity?', orgId }),
    });
  }

  async function previewAssignee(): Promise<string | null> {
    const response = await preview(`Bearer ${await userToken({ sub: 'agent-1', roles: ['agent'] })}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as RoutingDecisionPayload).assignee;
  }

  it('previews for staff only: it names organisations and their PSMs', async () => {
    const anonymous = await preview();
    const requester = await preview(`Bearer ${await userToken({ sub: 'user-1', org: orgId })}`);
    const lead = await preview(`Bearer ${await userToken({ sub: 'lead-1', roles: ['lead'] })}`);
    const auditor = await preview(`Bearer ${await userToken({ sub: 'auditor-1', org: orgId, roles: ['auditor'] })}`);

    expect([anonymous.status, requester.status, lead.status, auditor.status]).toEqual([401, 403, 200, 200]);
  });

  /** Submits a chat ticket of the organisation and returns its routing decision as published. */
  async function routeChatTicket(): Promise<TicketRoutedPayload> {
    const ticket: TicketSubmittedPayload = submittedTicket({
      ticketId: randomUUID(),
      channel: 'chat',
      requestType: null,
      subject: null,
      message: 'Comment documenter une activité de traitement ?',
      locale: 'fr',
      workspaceTesting: null,
      requester: { userId: 'user-psm', orgId, email: 'dpo@example.com', name: null },
    });
    await kafka.produce(Topics.ticketsSubmitted, [
      {
        key: ticket.ticketId,
        value: JSON.stringify(ticket),
        headers: toCloudEventHeaders({
          id: randomUUID(),
          source: '/tests',
          type: topicSpec(Topics.ticketsSubmitted).eventType,
          time: ticket.receivedAt,
          subject: ticket.ticketId,
        }),
      },
    ]);
    const record = await eventually(
      () => {
        const found = routed.records.find((candidate) => candidate.key === ticket.ticketId);
        if (!found?.value) throw new Error(`ticket ${ticket.ticketId} not routed yet`);
        return found;
      },
      { timeoutMs: 30_000 },
    );
    return JSON.parse(record.value ?? 'null') as TicketRoutedPayload;
  }

  it('routes a chat ticket of an organisation without a dedicated PSM to the pool, saying so', async () => {
    const decision = await routeChatTicket();

    expect(decision).toMatchObject({ ruleId: 'chat-to-psm', queue: 'psm', assignee: null });
    expect(decision.reason).toContain(`the PSM pool (organisation ${orgId} has no dedicated PSM)`);
  });

  it('counts its decisions by queue, rule and priority, and its handler latency and lag, on /metrics', async () => {
    await routeChatTicket();
    const metrics = await (await fetch(`${routing.url}/metrics`)).text();

    expect(metrics).toMatch(/routing_decisions_total\{[^}]*queue="psm"[^}]*rule="chat-to-psm"[^}]*\} [1-9]/);
    expect(metrics).toMatch(
      /kafka_handler_duration_seconds_count\{[^}]*topic="support\.tickets\.submitted\.v1"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(/kafka_consumer_lag_records\{[^}]*topic="support\.tickets\.submitted\.v1"/);
  });

  it('applies a new assignment live: the next chat ticket goes to that PSM', async () => {
    await assign('psm-alice');
    await eventually(async () => expect(await previewAssignee()).toBe('psm-alice'));

    const decision = await routeChatTicket();

    expect(decision).toMatchObject({ ruleId: 'chat-to-psm', queue: 'psm', assignee: 'psm-alice' });
    expect(decision.reason).toContain('dedicated PSM psm-alice');
  });

  it('applies a reassignment live', async () => {
    await assign('psm-bob');
    await eventually(async () => expect(await previewAssignee()).toBe('psm-bob'));

    expect((await routeChatTicket()).assignee).toBe('psm-bob');
  });

  it('removes the assignment on a null value (tombstone): the next ticket goes to the pool', async () => {
    await assign(null);
    await eventually(async () => expect(await previewAssignee()).toBeNull());

    const decision = await routeChatTicket();

    expect(decision).toMatchObject({ ruleId: 'chat-to-psm', assignee: null });
    expect(decision.reason).toContain('has no dedicated PSM');
  });

  it('re-reads the topic on restart, tombstones included, before routing anything', async () => {
    await assign('psm-carol');
    await eventually(async () => expect(await previewAssignee()).toBe('psm-carol'));
    await routing.stop();

    await routing.start();

    // No waiting: the directory is complete once the service reports ready.
    expect(await previewAssignee()).toBe('psm-carol');
    expect((await routeChatTicket()).assignee).toBe('psm-carol');

    await assign(null);
    await eventually(async () => expect(await previewAssignee()).toBeNull());
    await routing.stop();
    await routing.start();
    expect(await previewAssignee()).toBeNull();
  });
});
