import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Topics, toCloudEventHeaders, topicSpec, ticketReference } from '#contracts';
import type { TopicName } from '#contracts';
import {
  KafkaTestClient,
  ServiceProcess,
  eventually,
  isolatedDatabase,
  routedTicket,
  startGroupAtEnd,
  submittedTicket,
  testBrokers,
  testDatabaseUrl,
  uniqueSuffix,
  userToken,
} from '#testing';
import type { IsolatedDatabase } from '#testing';

const HISTORY_TOPICS: TopicName[] = [
  Topics.ticketsSubmitted,
  Topics.ticketsRouted,
  Topics.queueSupport,
  Topics.ticketsLifecycle,
];

interface HistoryTicket {
  status: string;
  firstResponseAt: string | null;
  slaBreached: boolean;
  timeline: { topic: string; event?: string; actor?: string }[];
}

describe('agents’ queue client (npm run agent)', () => {
  const suffix = uniqueSuffix();
  let database: IsolatedDatabase;
  let history: ServiceProcess;
  let kafka: KafkaTestClient;
  let agent: ChildProcessWithoutNullStreams;
  let output = '';

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'agent_e2e');
    kafka = new KafkaTestClient(testBrokers());
    const historyGroup = `support-history-it-agent-${suffix}`;
    const agentGroup = `support-agents-it-${suffix}`;
    await startGroupAtEnd(testBrokers(), historyGroup, HISTORY_TOPICS);
    await startGroupAtEnd(testBrokers(), agentGroup, [Topics.queueSupport]);
    history = await new ServiceProcess('history', {
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: database.url,
      HISTORY_CONSUMER_GROUP: historyGroup,
    }).start();
    agent = spawn(
      process.execPath,
      [
        resolve(process.cwd(), 'dist/tools/agent.js'),
        '--queue',
        'support',
        '--agent',
        'agent-e2e',
        '--group',
        agentGroup,
      ],
      {
        env: { ...process.env, KAFKA_BROKERS: testBrokers().join(',') },
      },
    );
    agent.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    agent.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    await eventually(() => expect(output).toContain('following support.queue.support.v1 as agent-e2e'), {
      timeoutMs: 20_000,
    });
  }, 90_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((done) => agent.once('exit', done));
      agent.stdin.end('quit\n');
      await exited;
    }
    await history?.stop();
    await kafka?.close();
    await database?.drop();
  });

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

  it('shows a routed ticket as it arrives; claim, reply and resolve reach history and its SLA state', async () => {
    const ticket = submittedTicket({
      subject: `Agent e2e ${suffix}`,
      requester: { userId: `u-${suffix}`, orgId: 'org-agent', email: 'agent-e2e@example.org', name: 'E2E' },
    });
    const reference = ticketReference(ticket.ticketId);
    const slaDueAt = new Date(Date.now() + 4 * 3_600_000).toISOString();
    const routed = routedTicket({
      ticketId: ticket.ticketId,
      reference,
      queue: 'support',
      priority: 'P2',
      slaDueAt,
      ruleId: 'technical',
      reason: 'technical request',
    });
    await publish(Topics.ticketsSubmitted, ticket.ticketId, ticket);
    await publish(Topics.ticketsRouted, ticket.ticketId, routed);
    await publish(Topics.queueSupport, ticket.ticketId, {
      ticketId: ticket.ticketId,
      reference,
      queue: 'support',
      assignee: null,
      priority: 'P2',
      slaDueAt,
      ruleId: 'technical',
      reason: 'technical request',
      ticket,
    });

    await eventually(
      () =>
        expect(output).toMatch(
          new RegExp(`new  #\\d+ ${reference} P2 new form/bug \\(due in 2[34]\\d min\\) Agent e2e`),
        ),
      {
        timeoutMs: 20_000,
      },
    );
    agent.stdin.write(`claim ${reference}\n`);
    await eventually(() => expect(output).toContain(`${reference} claimed`), { timeoutMs: 10_000 });
    agent.stdin.write(`reply ${reference} The export works again\n`);
    agent.stdin.write(`resolve ${reference}\n`);
    await eventually(() => expect(output).toContain(`${reference} resolved`), { timeoutMs: 10_000 });

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
  }, 60_000);
});
