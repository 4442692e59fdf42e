/**
 * The agents' queue client: lists what already waits in the queue (from desk), follows the routed
 * queue as a member of a consumer group, shows each ticket as it arrives, and turns claim / reply /
 * note / resolve / reopen into lifecycle events and messages.
 *
 *   npm run agent -- --queue support|psm [--psm <psmId>] [--agent <agentId>] [--group <groupId>] [--from-beginning]
 *                    [--desk <url>] [--token <jwt>]
 *
 * Agents of one queue share a group (`support-agents-<queue>`), so each ticket reaches one of
 * them; with --psm the group is that PSM's own, and other PSMs' tickets are not shown. --group
 * names another group (a training desk, a test).
 * Desk (--desk, default http://127.0.0.1:3005) is asked with --token, or in development
 * (NODE_ENV=development, as `npm run agent` runs it) with a development token for the agent; without
 * desk the client works on Kafka alone.
 * KAFKA_BROKERS (default 127.0.0.1:9092).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { QUEUES, Topics } from '#contracts';
import type { Queue } from '#contracts';
import { EventPublisher, TopicFollower, createKafka, messageOf, parseBrokers } from '#kafka';
import type { TopicEvent } from '#kafka';
import { AgentDesk } from './agent/agent-desk.js';
import type { CommandOutcome } from './agent/agent-desk.js';
import { DeskClient } from './agent/desk-client.js';
import { developmentToken } from './auth/development-token.js';

const DEFAULT_DESK_URL = 'http://127.0.0.1:3005';

const QUEUE_TOPICS: Readonly<Record<Queue, typeof Topics.queuePsm | typeof Topics.queueSupport>> = {
  psm: Topics.queuePsm,
  support: Topics.queueSupport,
};

function fail(message: string): never {
  process.stderr.write(`agent: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    queue: { type: 'string' },
    psm: { type: 'string' },
    agent: { type: 'string' },
    group: { type: 'string' },
    'from-beginning': { type: 'boolean', default: false },
    desk: { type: 'string', default: DEFAULT_DESK_URL },
    token: { type: 'string' },
  },
});
const queue = values.queue as Queue | undefined;
if (!queue || !QUEUES.includes(queue)) fail('--queue psm|support is required');
if (values.psm !== undefined && queue !== 'psm') fail('--psm goes with --queue psm');
const agentId = values.agent ?? values.psm ?? `agent-${process.env.USER ?? 'local'}`;
const groupId = values.group ?? (values.psm ? `support-agents-psm-${values.psm}` : `support-agents-${queue}`);
const deskUrl = values.desk ?? DEFAULT_DESK_URL;
if (!URL.canParse(deskUrl)) fail('--desk takes a URL, e.g. http://127.0.0.1:3005');
const deskRoles = values.psm ? ['psm', 'agent'] : ['agent'];
const token = values.token;
const deskToken =
  token !== undefined
    ? async (): Promise<string> => token
    : process.env.NODE_ENV === 'development'
      ? (): Promise<string> => developmentToken({ sub: agentId, roles: deskRoles })
      : undefined;
const deskClient = deskToken ? new DeskClient(deskUrl, deskToken) : undefined;

const kafka = createKafka({
  brokers: parseBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
  clientId: `support-agent-${agentId}`,
});
const publisher = new EventPublisher(kafka, { source: `/support/agents/${agentId}` });
const desk = new AgentDesk({ queue, agentId, ...(values.psm ? { psmId: values.psm } : {}) });

/** A reply's message and its lifecycle event go in one produce request: both are written or neither. */
function eventsOf(outcome: CommandOutcome): TopicEvent[] {
  const envelope = (ticketId: string, time: string) => ({
    key: ticketId,
    id: randomUUID(),
    subject: ticketId,
    time,
    ...(outcome.correlationId ? { correlationId: outcome.correlationId } : {}),
  });
  const { message, lifecycle } = outcome;
  return [
    ...(message
      ? [{ topic: Topics.ticketsMessages, event: { ...envelope(message.ticketId, message.sentAt), payload: message } }]
      : []),
    ...(lifecycle
      ? [
          {
            topic: Topics.ticketsLifecycle,
            event: { ...envelope(lifecycle.ticketId, lifecycle.at), payload: lifecycle },
          },
        ]
      : []),
  ];
}
const print = (line: string): void => {
  if (line) process.stdout.write(`${line}\n`);
};

const follower = new TopicFollower(kafka, {
  groupId,
  topics: [QUEUE_TOPICS[queue]],
  fromBeginning: values['from-beginning'] ?? false,
  onEvent: async (event) => {
    const ticket = desk.accept(event.value, event.cloudEvent.correlationId ?? null);
    if (ticket) print(`new  ${desk.describe(ticket)}`);
  },
  onUnreadable: (topic, partition, offset) =>
    print(`skipped a record that is not JSON (${topic}[${partition}]@${offset})`),
});

async function shutdown(code: number): Promise<never> {
  await follower.stop().catch(() => undefined);
  await publisher.close().catch(() => undefined);
  process.exit(code);
}

await publisher.connect();
print(
  deskClient
    ? desk.listed(await deskClient.queue(queue))
    : 'desk not asked: give --token <jwt> (outside development); following Kafka only',
);
await follower.start();
print(`following ${QUEUE_TOPICS[queue]} as ${agentId} (group ${groupId}); type help`);

const input = createInterface({ input: process.stdin, terminal: process.stdin.isTTY });
for await (const line of input) {
  const outcome = desk.command(line);
  const events = eventsOf(outcome);
  if (events.length > 0) {
    try {
      await publisher.publishAll(events);
    } catch (error) {
      desk.undo(outcome);
      print(`not recorded, try again: ${messageOf(error)}`);
      continue;
    }
  }
  print(
    outcome.lookup !== undefined && deskClient
      ? desk.show(outcome.lookup, await deskClient.ticket(outcome.lookup))
      : outcome.output,
  );
  if (outcome.quit) break;
}
await shutdown(0);
