import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  AGENT_STATUSES,
  AUTHOR_KINDS,
  CHANNELS,
  LOCALES,
  MESSAGE_DIRECTIONS,
  MESSAGE_VISIBILITIES,
  QUEUES,
} from '../enums.js';
import type { AgentStatus, AuthorKind, Channel, Locale, MessageDirection, MessageVisibility, Queue } from '../enums.js';
import { MESSAGE_MAX_LENGTH } from './request.payload.js';
import { ID_MAX_LENGTH } from './ticket.payload.js';

export class MessageAuthorPayload {
  @IsIn(AUTHOR_KINDS)
  kind!: AuthorKind;

  /** The agent's id, the requester's user id (null without an account), or the service that wrote. */
  @IsOptional()
  @IsString()
  @MaxLength(ID_MAX_LENGTH)
  id!: string | null;
}

/** `support.tickets.messages.v1`: one message of a ticket's conversation. */
export class TicketMessagePayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  ticketId!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  messageId!: string;

  @IsIn(MESSAGE_DIRECTIONS)
  direction!: MessageDirection;

  @IsIn(MESSAGE_VISIBILITIES)
  visibility!: MessageVisibility;

  // @ValidateNested alone lets a missing value or an array through.
  @IsObject()
  @ValidateNested()
  @Type(() => MessageAuthorPayload)
  author!: MessageAuthorPayload;

  /** Where the message came from (inbound) or goes to (outbound): the ticket's channel. */
  @IsIn(CHANNELS)
  channel!: Channel;

  @IsString()
  @Length(1, MESSAGE_MAX_LENGTH)
  body!: string;

  @IsISO8601()
  sentAt!: string;
}

/** `support.agents.v1` (compacted, keyed by agentId; a null value removes the agent). */
export class AgentPresencePayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  agentId!: string;

  @IsIn(AGENT_STATUSES)
  status!: AgentStatus;

  @IsArray()
  @ArrayMaxSize(QUEUES.length)
  @IsIn(QUEUES, { each: true })
  queues!: Queue[];

  /** Unresolved tickets the agent takes at once; the assignment policy's default when absent. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000)
  capacity?: number | null;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LOCALES.length)
  @IsIn(LOCALES, { each: true })
  locales?: Locale[] | null;

  @IsOptional()
  @IsISO8601()
  updatedAt?: string | null;
}

/**
 * `support.personal-data.accessed.v1`: a member of staff read a ticket's personal data (whose: the
 * ticket's requester), recorded by history in the audit chain.
 */
export class PersonalDataAccessPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  accessId!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  ticketId!: string;

  /** The reader's user id (the token's `sub`). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  actor!: string;

  /** What was read, e.g. `desk.ticket`. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  purpose!: string;

  @IsISO8601()
  at!: string;
}
