import { Topics } from '#contracts';
import type { Clock } from '#platform';
import { InProcessService, startGroupAtEnd, testBrokers } from '#testing';
import { loadDeskConfig } from '../src/desk.config.js';
import { DeskModule } from '../src/desk.module.js';

export const CONSUMED_TOPICS = [
  Topics.queuePsm,
  Topics.queueSupport,
  Topics.ticketsLifecycle,
  Topics.ticketsMessages,
  Topics.subjectsErased,
  Topics.agents,
  Topics.psmAssignments,
];

/** The desk service in the test process (see InProcessService); several may share a group and a database. */
export async function startDesk(options: {
  readonly env: Record<string, string>;
  readonly groupId: string;
  readonly clock?: Clock;
}): Promise<InProcessService> {
  const config = loadDeskConfig({ NODE_ENV: 'development', KAFKA_BROKERS: testBrokers().join(','), ...options.env });
  return InProcessService.start({
    name: 'desk',
    module: DeskModule.forRoot(config, options.clock ? { clock: options.clock } : {}),
    groupId: options.groupId,
    partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
  });
}

/** Makes a group that never ran start at the end of the topics, skipping what other runs left there. */
export async function skipDeskHistory(groupId: string): Promise<void> {
  await startGroupAtEnd(testBrokers(), groupId, CONSUMED_TOPICS);
}
