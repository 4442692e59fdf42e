/**
 * The agents' queue client: follows a routed queue as a member of a consumer group, shows each
 * ticket as it arrives, and turns claim / reply / resolve / reopen into lifecycle events.
 *
 *   npm run agent -- --queue support|psm [--psm <psmId>] [--agent <agentId>] [--group <groupId>] [--from-beginning]
 *
 * Agents of one queue share a group (`support-agents-<queue>`), so each ticket reaches one of
 * them; with --psm the group is that PSM's own, and other PSMs' tickets are not shown. --group
 * names another group (a training desk, a test).
 * KAFKA_BROKERS (default 127.0.0.1:9092).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { QUEUES, Topics } from '#contracts';
import type { Queue } from '#contracts';
import { EventPublisher, TopicFollower, createKafka, messageOf, parseBrokers } from '#kafka';
import { AgentDesk } from './agent/agent-desk.js';

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
  },
});
const queue = values.queue as Queue | undefined;
if (!queue || !QUEUES.includes(queue)) fail('--queue psm|support is required');
if (values.psm !== undefined && queue !== 'psm') fail('--psm goes with --queue psm');
const agentId = values.agent ?? values.psm ?? `agent-${process.env.USER ?? 'local'}`;
const groupId = values.group ?? (values.psm ? `support-agents-psm-${values.psm}` : `support-agents-${queue}`);

const kafka = createKafka({
  brokers: parseBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
  clientId: `support-agent-${agentId}`,
});
const publisher = new EventPublisher(kafka, { source: `/support/agents/${agentId}` });
const desk = new AgentDesk({ queue, agentId, ...(values.psm ? { psmId: values.psm } : {}) });
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
await follower.start();
print(`following ${QUEUE_TOPICS[queue]} as ${agentId} (group ${groupId}); type help`);

const input = createInterface({ input: process.stdin, terminal: process.stdin.isTTY });
for await (const line of input) {
  const outcome = desk.command(line);
  if (outcome.lifecycle) {
    try {
      await publisher.publish(Topics.ticketsLifecycle, {
        key: outcome.lifecycle.ticketId,
        id: randomUUID(),
        subject: outcome.lifecycle.ticketId,
        time: outcome.lifecycle.at,
        payload: outcome.lifecycle,
        ...(outcome.correlationId ? { correlationId: outcome.correlationId } : {}),
      });
    } catch (error) {
      print(`not recorded, try again: ${messageOf(error)}`);
      continue;
    }
  }
  print(outcome.output);
  if (outcome.quit) break;
}
await shutdown(0);
