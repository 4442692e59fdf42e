import { ApiProperty } from '@nestjs/swagger';
import { AGENT_STATUSES, LOCALES, QUEUES } from '#contracts';
import type { AgentStatus, Locale, Queue } from '#contracts';
import type { AgentLoad } from './presence.service.js';

export class AgentView {
  @ApiProperty() agentId!: string;
  @ApiProperty({ enum: AGENT_STATUSES }) status!: AgentStatus;
  @ApiProperty({ type: [String], enum: QUEUES }) queues!: Queue[];
  @ApiProperty({ type: 'integer', description: 'unresolved tickets they take at once' }) capacity!: number;
  @ApiProperty({ type: [String], enum: LOCALES, nullable: true, description: 'null: every language' })
  locales!: Locale[] | null;
  @ApiProperty({ type: 'integer', description: 'unresolved tickets assigned to them now' }) load!: number;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class AgentListView {
  @ApiProperty({ type: [AgentView] }) items!: AgentView[];
}

export function toAgentView({ agent, capacity, load }: AgentLoad): AgentView {
  return {
    agentId: agent.agentId,
    status: agent.status,
    queues: agent.queues,
    capacity,
    locales: agent.locales,
    load,
    updatedAt: agent.updatedAt.toISOString(),
  };
}
