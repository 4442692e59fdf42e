import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import type { TicketCountRow } from './ticket.repository.js';

export class TicketStatsQuery {
  @IsOptional()
  @IsString()
  @Length(1, 128)
  orgId?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

const COUNT = { type: 'integer', minimum: 0 } as const;

/** Counts by value; tickets without one count under "none". */
const COUNTS = { type: 'object', additionalProperties: COUNT } as const;

export class TicketStatsView {
  @ApiProperty(COUNT) total!: number;
  @ApiProperty({ ...COUNTS, example: { routed: 12, resolved: 30 } }) byStatus!: Record<string, number>;
  @ApiProperty({ ...COUNTS, example: { chat: 20, phone: 22 } }) byChannel!: Record<string, number>;
  @ApiProperty({ ...COUNTS, example: { psm: 8, support: 34 } }) byQueue!: Record<string, number>;
  @ApiProperty({ ...COUNTS, example: { P1: 2, P3: 40 } }) byPriority!: Record<string, number>;
  @ApiProperty(COUNT) slaBreached!: number;
  @ApiProperty({ ...COUNT, description: 'tickets whose requester was erased: still counted everywhere else' })
  personalDataErased!: number;
}

function add(counts: Record<string, number>, key: string | null, count: number): void {
  const name = key ?? 'none';
  counts[name] = (counts[name] ?? 0) + count;
}

export function toTicketStats(rows: readonly TicketCountRow[]): TicketStatsView {
  const stats: TicketStatsView = {
    total: 0,
    byStatus: {},
    byChannel: {},
    byQueue: {},
    byPriority: {},
    slaBreached: 0,
    personalDataErased: 0,
  };
  for (const row of rows) {
    stats.total += row.count;
    add(stats.byStatus, row.status, row.count);
    add(stats.byChannel, row.channel, row.count);
    add(stats.byQueue, row.queue, row.count);
    add(stats.byPriority, row.priority, row.count);
    if (row.sla_breached) stats.slaBreached += row.count;
    if (row.erased) stats.personalDataErased += row.count;
  }
  return stats;
}
