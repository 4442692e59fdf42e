import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AgentPresencePayload, Topics, validatePayload } from '#contracts';
import { CompactedTopicReader } from '#kafka';
import { KAFKA_CLIENT } from '#platform';
import type { Kafka } from 'kafkajs';

/**
 * Agents' presence, from the compacted `support.agents.v1`: what the routing preview needs to say
 * who would get a ticket now. Loads are desk's (it assigns); the preview names the candidates.
 */
@Injectable()
export class AgentDirectory implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AgentDirectory.name);
  private readonly agents = new Map<string, AgentPresencePayload>();
  private readonly reader: CompactedTopicReader;

  constructor(@Inject(KAFKA_CLIENT) kafka: Kafka) {
    this.reader = new CompactedTopicReader(kafka, Topics.agents, 'support-routing-agents', (key, value) =>
      this.apply(key, value),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.reader.start();
    this.logger.log(`agent directory loaded: ${this.agents.size} agent(s)`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reader.stop();
  }

  presence(agentId: string): AgentPresencePayload | undefined {
    return this.agents.get(agentId);
  }

  /** Online agents who work the queue, by id. */
  online(queue: string): AgentPresencePayload[] {
    return [...this.agents.values()]
      .filter((agent) => agent.status === 'online' && (agent.queues as readonly string[]).includes(queue))
      .sort((left, right) => (left.agentId < right.agentId ? -1 : 1));
  }

  apply(agentId: string, value: unknown): void {
    if (value === null) {
      this.agents.delete(agentId);
      return;
    }
    const result = validatePayload(AgentPresencePayload, value);
    if (!result.ok || result.value.agentId !== agentId) {
      this.logger.warn('ignored an invalid presence record (key and payload agentId must match)');
      return;
    }
    this.agents.set(agentId, result.value);
  }
}
