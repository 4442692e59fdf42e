import { ApiProperty } from '@nestjs/swagger';
import type { ApiBodyOptions } from '@nestjs/swagger';

type SchemaObject = NonNullable<Extract<ApiBodyOptions, { schema?: unknown }>['schema']>;
import { Type } from 'class-transformer';
import { IsObject, IsOptional, ValidateNested } from 'class-validator';
import {
  CHANNELS,
  LOCALES,
  PHONE_PATTERN,
  REQUEST_TYPES,
  RequestFields,
  RequesterPayload,
  TICKET_REFERENCE_PATTERN,
  URGENCIES,
} from '#contracts';

/** Body of `POST /v1/requests`: the common request fields, plus the requester for email and phone. */
export class CreateRequestBody extends RequestFields {
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RequesterPayload)
  requester?: RequesterPayload;
}

export class RequestAcceptedView {
  @ApiProperty({ format: 'uuid' }) ticketId!: string;
  @ApiProperty({ example: 'SR-7K4Q-M2XD' }) reference!: string;
  @ApiProperty({ enum: ['received'] }) status!: 'received';
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
}

/** A follow-up joined one of the requester's tickets as a message; no ticket was created. */
export class FollowUpAcceptedView {
  @ApiProperty({ format: 'uuid', description: 'the ticket the message joined' }) ticketId!: string;
  @ApiProperty({ example: 'SR-7K4Q-M2XD' }) reference!: string;
  @ApiProperty({ enum: ['follow-up'] }) status!: 'follow-up';
  @ApiProperty({ format: 'uuid', description: 'the same for a retry with the same Idempotency-Key' })
  messageId!: string;
}

/** OpenAPI schema of the body (the class-validator decorators stay the single source of validation). */
export const CREATE_REQUEST_SCHEMA: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['channel', 'message'],
  properties: {
    channel: { type: 'string', enum: [...CHANNELS] },
    requestType: { type: 'string', enum: [...REQUEST_TYPES], description: 'required for form' },
    subject: { type: 'string', maxLength: 200 },
    message: { type: 'string', minLength: 1, maxLength: 10000 },
    urgency: { type: 'string', enum: [...URGENCIES], default: 'normal' },
    allowWorkspaceTesting: { type: 'boolean', default: true, description: 'form only' },
    locale: { type: 'string', enum: [...LOCALES], description: 'inferred when absent' },
    ticketReference: {
      type: 'string',
      pattern: TICKET_REFERENCE_PATTERN.source,
      example: 'SR-7K4Q-M2XD',
      description:
        'a follow-up to one of the requester’s tickets (for email, a [SR-XXXX-XXXX] in the subject counts too)',
    },
    requester: {
      type: 'object',
      description: 'email and phone only',
      additionalProperties: false,
      required: ['email'],
      properties: {
        email: { type: 'string', format: 'email' },
        name: { type: 'string' },
        orgId: { type: 'string' },
        userId: { type: 'string' },
        phone: { type: 'string', pattern: PHONE_PATTERN.source, description: 'E.164' },
      },
    },
  },
};

export const CREATE_REQUEST_EXAMPLES = {
  chat: {
    summary: 'chat (user token)',
    value: { channel: 'chat', message: 'How do I export my processing register?', urgency: 'normal' },
  },
  form: {
    summary: 'support form (user token)',
    value: {
      channel: 'form',
      requestType: 'bug',
      subject: 'Export fails',
      message: 'The PDF export of my register fails with an error.',
      allowWorkspaceTesting: true,
    },
  },
  phone: {
    summary: 'phone desk (API key)',
    value: {
      channel: 'phone',
      message: 'Connexion impossible, compte bloqué',
      urgency: 'high',
      requester: { email: 'dpo@example.com', name: 'Jeanne Martin', orgId: 'org-42' },
    },
  },
  email: {
    summary: 'email gateway (API key)',
    value: {
      channel: 'email',
      subject: 'Question',
      message: 'Do you offer a DPA template?',
      requester: { email: 'someone@example.org' },
    },
  },
  followUp: {
    summary: 'a follow-up (user token)',
    value: { channel: 'chat', ticketReference: 'SR-7K4Q-M2XD', message: 'Any news? The export still fails.' },
  },
} as const;
