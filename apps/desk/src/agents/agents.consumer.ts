import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Topics } from '#contracts';
import type { AgentPresencePayload, PsmAssignmentPayload } from '#contracts';
import { KafkaHandler } from '#kafka';
import type { KafkaEvent } from '#kafka';
import { PresenceService } from './presence.service.js';
import { PsmAssignments } from './psm-assignments.js';

/** Presence from any tool (and desk's own, from other instances), and organisations' backup PSMs. */
@Controller()
export class AgentsConsumer {
  constructor(
    private readonly presence: PresenceService,
    private readonly psms: PsmAssignments,
  ) {}

  @KafkaHandler(Topics.agents, { batch: true })
  async onPresence(@Payload() events: KafkaEvent<AgentPresencePayload | null>[]): Promise<void> {
    await this.presence.applyConsumed(
      events
        .filter((event) => event.key !== null)
        .map((event) => ({ agentId: event.value?.agentId ?? event.key!, presence: event.value })),
    );
  }

  @KafkaHandler(Topics.psmAssignments, { batch: true })
  async onPsmAssignments(@Payload() events: KafkaEvent<PsmAssignmentPayload | null>[]): Promise<void> {
    await this.psms.apply(
      events.filter((event) => event.key !== null).map((event) => ({ orgId: event.key!, assignment: event.value })),
    );
  }
}
