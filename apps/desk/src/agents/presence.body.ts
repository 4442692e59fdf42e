import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { AGENT_STATUSES, LOCALES, QUEUES } from '#contracts';
import type { AgentStatus, Locale, Queue } from '#contracts';

/** `PUT /v1/desk/agents/me` */
export class PresenceBody {
  @ApiProperty({ enum: AGENT_STATUSES })
  @IsIn(AGENT_STATUSES, { message: `status must be one of ${AGENT_STATUSES.join(', ')}` })
  status!: AgentStatus;

  @ApiPropertyOptional({
    type: [String],
    enum: QUEUES,
    description: 'the queues you work; default: support for agents, psm for PSMs, both for leads',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(QUEUES.length)
  @IsIn(QUEUES, { each: true, message: `queues must be among ${QUEUES.join(', ')}` })
  queues?: Queue[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 1000,
    description: "unresolved tickets at once; default: the rule set's",
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000)
  capacity?: number;

  @ApiPropertyOptional({
    type: [String],
    enum: LOCALES,
    description: 'languages you answer in; default: every language',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LOCALES.length)
  @IsIn(LOCALES, { each: true, message: `locales must be among ${LOCALES.join(', ')}` })
  locales?: Locale[];
}
