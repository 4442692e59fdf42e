import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Topics, toCloudEventHeaders, topicSpec, ticketReference } from '#contracts';
import { DEFAULT_RULES_FILE } from '#rules';
import type { TicketSubmittedPayload, TopicName } from '#contracts';
import {
  KafkaTestClient,
  ServiceProcess,
  eventually,
  isolatedDatabase,
  routedTicket,
  startGroupAtEnd,
  submittedTicket,
  tailTopics,
  testBrokers,
  testDatabaseUrl,
  uniqueSuffix,
  userToken,
} from '#testing';
import type { IsolatedDatabase, TopicTail } from '#testing';

const HISTORY_TOPICS: TopicName[] = [
  Topics.ticketsSubmitted,
  Topics.ticketsRouted,
  Topics.queueSupport,
  Topics.ticketsLifecycle,
];

const DESK_TOPICS: TopicName[] = [
  Topics.queuePsm,
  Topics.queueSupport,
  Topics.ticketsLifecycle,
  Topics.ticketsMessages,
  Topics.subjectsErased,
];

interface HistoryTicket {
  status: string;
  firstResponseAt: string | null;
  slaBreached: boolean;
  timeline: { topic: string; event?: string; actor?: string }[];
}

interface DeskView {
  items?: { ticketId: string }[];
  conversation?: { visibility: string; authorId: string | null; body: string | null }[];
}

/** `node dist/tools/agent.js` as an agent runs it, in development (its desk token is a development one). */
class AgentClient {
  private readonly child: ChildProcessWithoutNullStreams;
  output = '';

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [resolve(process.cwd(), 'dist/tools/agent.js'), ...args], {
      env: { ...process.env, NODE_ENV: 'development', KAFKA_BROKERS: testBrokers().join(',') },
    });
    const collect = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
    };
    this.child.stdout.on('data', collect);
    this.child.stderr.on('data', collect);
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  async quit(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((done) => this.child.once('exit', done));
    this.child.stdin.end('quit\n');
    await exited;
  }
}

describe('agents’ queue client (npm run agent)', () => {
  const suffix = uniqueSuffix();
  const agentGroup = `support-agents-it-${suffix}`;
  let database: IsolatedDatabase;
  let history: ServiceProcess;
  let desk: ServiceProcess;
  let kafka: KafkaTestClient;
  let messages: TopicTail;
  let agent: AgentClient;
  let agentToken: string;
  let waiting: TicketSubmittedPayload;

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'agent_e2e');
    kafka = new KafkaTestClient(testBrokers());
    const historyGroup = `support-history-it-agent-${suffix}`;
    const deskGroup = `support-desk-it-agent-${suffix}`;
    await startGroupAtEnd(testBrokers(), historyGroup, HISTORY_TOPICS);
    await startGroupAtEnd(testBrokers(), deskGroup, DESK_TOPICS);
    await startGroupAtEnd(testBrokers(), agentGroup, [Topics.queueSupport]);
    history = new ServiceProcess('history', {
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: database.url,
      HISTORY_CONSUMER_GROUP: historyGroup,
    });
    desk = new ServiceProcess('desk', {
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: database.url,
      DESK_CONSUMER_GROUP: deskGroup,
      ROUTING_RULES_FILE: rulesWithoutAssignment(),
    });
    await Promise.all([history.start(), desk.start()]);
    messages = await tailTopics(kafka, [Topics.ticketsMessages]);
    agentToken = await userToken({ sub: 'agent-e2e', roles: ['agent'] });

    // A ticket already waiting in desk when the client starts: the client lists it.
    waiting = submittedTicket({
      subject: `Waiting e2e ${suffix}`,
      requester: { userId: `w-${suffix}`, orgId: 'org-agent', email: 'waiting-e2e@example.org', name: 'Waiting' },
    });
    await route(waiting);
    await eventually(
      async () => {
        const view = await deskGet<DeskView>(`/v1/desk/tickets?reference=${waiting.reference}`);
        expect(view.items?.map((item) => item.ticketId)).toEqual([waiting.ticketId]);
      },
      { timeoutMs: 20_000 },
    );

    agent = new AgentClient(['--queue', 'support', '--agent', 'agent-e2e', '--group', agentGroup, '--desk', desk.url]);
    await eventually(() => expect(agent.output).toContain('following support.queue.support.v1 as agent-e2e'), {
      timeoutMs: 20_000,
    });
  }, 120_000);

  afterAll(async () => {
    await agent?.quit();
    await messages?.stop();
    await Promise.all([history?.stop(), desk?.stop()]);
    await kafka?.close();
    await database?.drop();
  });

  /**
   * The default rules with no assignment in either queue: agents that other suites left online on the
   * shared broker's presence topic would otherwise get the tickets before this agent claims them.
   */
  function rulesWithoutAssignment(): string {
    const rules = JSON.parse(readFileSync(DEFAULT_RULES_FILE, 'utf8')) as { assignment: { policies: object } };
    rules.assignment.policies = { support: 'none', psm: 'none' };
    const file = join(mkdtempSync(join(tmpdir(), 'agent-e2e-')), 'rules.json');
    writeFileSync(file, JSON.stringify(rules));
    return file;
  }

  async function publish(topic: TopicName, key: string, value: unknown): Promise<void> {
    await kafka.produce(topic, [
      {
        key,
        value: JSON.stringify(value),
        headers: toCloudEventHeaders({
          id: randomUUID(),
          source: '/test',
          type: topicSpec(topic).eventType,
          time: new Date().toISOString(),
          subject: key,
        }),
      },
    ]);
  }

  /** What intake and routing would publish for a form bug: submitted, routed (P2, 4 h), queued. */
  async function route(ticket: TicketSubmittedPayload): Promise<void> {
    const slaDueAt = new Date(Date.now() + 4 * 3_600_000).toISOString();
    const decision = {
      queue: 'support',
      priority: 'P2',
      slaDueAt,
      ruleId: 'technical',
      reason: 'technical request',
    } as const;
    await publish(Topics.ticketsSubmitted, ticket.ticketId, ticket);
    await publish(
      Topics.ticketsRouted,
      ticket.ticketId,
      routedTicket({ ...decision, ticketId: ticket.ticketId, reference: ticket.reference }),
    );
    await publish(Topics.queueSupport, ticket.ticketId, {
      ...decision,
      ticketId: ticket.ticketId,
      reference: ticket.reference,
      assignee: null,
      ticket,
    });
  }

  async function deskGet<T>(path: string): Promise<T> {
    const response = await fetch(`${desk.url}${path}`, { headers: { authorization: `Bearer ${agentToken}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  }

  it('lists what already waits in desk, and shows it from desk', async () => {
    expect(agent.output).toContain('desk: 1 waiting in the support queue, most urgent first');
    expect(agent.output).toMatch(
      new RegExp(`#1 ${waiting.reference} P2 new form/bug \\(due in 2[34]\\d min\\) Waiting e2e ${suffix}`),
    );

    agent.send(`show ${waiting.reference}`);

    await eventually(
      () => {
        expect(agent.output).toContain('  requester: Waiting <waiting-e2e@example.org>');
        expect(agent.output).toContain('  conversation (1, oldest first):');
        expect(agent.output).toContain(`      ${waiting.message}`);
      },
      { timeoutMs: 10_000 },
    );
  });

  it('shows a routed ticket as it arrives; claim, reply, note and resolve reach history, desk and its SLA state', async () => {
    const ticket = submittedTicket({
      subject: `Agent e2e ${suffix}`,
      requester: { userId: `u-${suffix}`, orgId: 'org-agent', email: 'agent-e2e@example.org', name: 'E2E' },
    });
    const reference = ticketReference(ticket.ticketId);
    await route(ticket);

    await eventually(
      () =>
        expect(agent.output).toMatch(
          new RegExp(`new  #\\d+ ${reference} P2 new form/bug \\(due in 2[34]\\d min\\) Agent e2e`),
        ),
      {
        timeoutMs: 20_000,
      },
    );
    agent.send(`claim ${reference}`);
    await eventually(() => expect(agent.output).toContain(`${reference} claimed`), { timeoutMs: 10_000 });
    agent.send(`reply ${reference} The export works again`);
    agent.send(`note ${reference} Checked the export logs`);
    agent.send(`resolve ${reference}`);
    await eventually(() => expect(agent.output).toContain(`${reference} resolved`), { timeoutMs: 10_000 });

    const token = await userToken({ sub: 'auditor-e2e', roles: ['auditor:global'] });
    const recorded = await eventually(
      async () => {
        const response = await fetch(`${history.url}/v1/tickets/${ticket.ticketId}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const view = (await response.json()) as HistoryTicket;
        expect(view.status).toBe('resolved');
        return view;
      },
      { timeoutMs: 20_000 },
    );
    const lifecycle = recorded.timeline.filter((entry) => entry.topic === Topics.ticketsLifecycle);
    expect(lifecycle.map((entry) => [entry.event, entry.actor])).toEqual([
      ['claimed', 'agent-e2e'],
      ['replied', 'agent-e2e'],
      ['resolved', 'agent-e2e'],
    ]);
    expect(recorded.firstResponseAt).not.toBeNull();
    expect(recorded.slaBreached).toBe(false);

    // The reply's text travels as a public message, the note as an internal one.
    await eventually(
      () => {
        const sent = messages.records
          .filter((record) => record.key === ticket.ticketId)
          .map((record) => JSON.parse(record.value ?? 'null') as Record<string, unknown>);
        expect(sent).toEqual([
          expect.objectContaining({
            direction: 'outbound',
            visibility: 'public',
            author: { kind: 'agent', id: 'agent-e2e' },
            channel: 'form',
            body: 'The export works again',
          }),
          expect.objectContaining({
            direction: 'outbound',
            visibility: 'internal',
            author: { kind: 'agent', id: 'agent-e2e' },
            channel: 'form',
            body: 'Checked the export logs',
          }),
        ]);
      },
      { timeoutMs: 10_000 },
    );

    await eventually(
      async () => {
        const view = await deskGet<DeskView>(`/v1/desk/tickets/${ticket.ticketId}`);
        expect(view.conversation?.map((message) => message.visibility)).toEqual(['public', 'public', 'internal']);
      },
      { timeoutMs: 20_000 },
    );
    agent.send(`show ${reference}`);
    await eventually(
      () => {
        expect(agent.output).toContain('agent agent-e2e replied (form):\n      The export works again');
        expect(agent.output).toContain('agent agent-e2e noted (internal) (form):\n      Checked the export logs');
      },
      { timeoutMs: 10_000 },
    );
    // The waiting ticket's queue record reached the client too: taken in, not shown as new.
    expect(agent.output).not.toMatch(new RegExp(`new  #\\d+ ${waiting.reference}`));
  }, 90_000);

  it('keeps working on Kafka alone when desk does not answer', async () => {
    await startGroupAtEnd(testBrokers(), `${agentGroup}-alone`, [Topics.queueSupport]);
    const alone = new AgentClient([
      '--queue',
      'support',
      '--agent',
      'agent-alone',
      '--group',
      `${agentGroup}-alone`,
      '--desk',
      'http://127.0.0.1:9',
    ]);
    try {
      await eventually(() => expect(alone.output).toContain('following support.queue.support.v1 as agent-alone'), {
        timeoutMs: 20_000,
      });
      expect(alone.output).toMatch(
        /^desk did not answer \(http:\/\/127\.0\.0\.1:9\/v1\/desk\/queues\/support\/tickets: .+\): following Kafka only$/m,
      );
      const ticket = submittedTicket({ subject: `Alone e2e ${suffix}` });
      await route(ticket);
      await eventually(() => expect(alone.output).toContain(`new  #1 ${ticket.reference} P2 new form/bug`), {
        timeoutMs: 20_000,
      });
      alone.send(`claim ${ticket.reference}`);
      await eventually(() => expect(alone.output).toContain(`${ticket.reference} claimed`), { timeoutMs: 10_000 });
    } finally {
      await alone.quit();
    }
  }, 60_000);
});
