import { IsIn, IsISO8601, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import {
  CHANNELS,
  ID_MAX_LENGTH,
  PRIORITIES,
  QUEUES,
  REQUEST_TYPES,
  TICKET_REFERENCE_PATTERN,
  TICKET_STATUSES,
} from '#contracts';

/** Query of `GET /v1/tickets` (all optional; values arrive as text). */
export class TicketListQuery {
  @IsOptional()
  @IsString()
  @Length(1, 128)
  orgId?: string;

  @IsOptional()
  @IsIn(CHANNELS)
  channel?: string;

  @IsOptional()
  @IsIn(REQUEST_TYPES)
  requestType?: string;

  @IsOptional()
  @IsIn(QUEUES)
  queue?: string;

  @IsOptional()
  @IsIn(PRIORITIES)
  priority?: string;

  @IsOptional()
  @IsIn(TICKET_STATUSES)
  status?: string;

  /** The ticket's reference, `SR-XXXX-XXXX` (in any case, as requesters write it). */
  @IsOptional()
  @IsString()
  @Matches(TICKET_REFERENCE_PATTERN, { message: 'reference must be a ticket reference such as SR-7K4Q-M2XD' })
  reference?: string;

  /** The id of the request the ticket came from. */
  @IsOptional()
  @IsString()
  @Length(1, ID_MAX_LENGTH)
  requestId?: string;

  /** Received at or after (ISO-8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Received before (ISO-8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  /** `true`: a first or next response late or overdue; `false`: every response on time so far. */
  @IsOptional()
  @IsIn(['true', 'false'])
  slaBreached?: string;

  @IsOptional()
  @IsString()
  @Length(1, 512)
  cursor?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export interface ListCursor {
  readonly receivedAt: string;
  readonly ticketId: string;
}

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.receivedAt, cursor.ticketId])).toString('base64url');
}

export function decodeCursor(text: string): ListCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      !Number.isNaN(Date.parse(value[0]))
    ) {
      return { receivedAt: value[0], ticketId: value[1] };
    }
  } catch {
    // not a cursor of ours
  }
  return undefined;
}
