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

export class TicketStatsView {
  @ApiProperty() total!: number;
  @ApiProperty() byStatus!: Record<string, number>;
  @ApiProperty() byChannel!: Record<string, number>;
  @ApiProperty() byQueue!: Record<string, number>;
  @ApiProperty() byPriority!: Record<string, number>;
  @ApiProperty() slaBreached!: number;
  @ApiProperty({ description: 'tickets whose requester was erased: still counted everywhere else' })
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
