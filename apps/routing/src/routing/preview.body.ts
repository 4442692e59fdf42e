import { Type } from 'class-transformer';
import { IsISO8601, IsObject, IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import type { SchemaObject } from '@nestjs/swagger';
import {
  CHANNELS,
  LOCALES,
  MESSAGE_MAX_LENGTH,
  REQUEST_TYPES,
  RequestFields,
  RequesterPayload,
  SUBJECT_MAX_LENGTH,
  URGENCIES,
} from '#contracts';

/** `POST /v1/routing/preview`: a request body as intake takes it, plus what to evaluate it against. */
export class PreviewBody extends RequestFields {
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RequesterPayload)
  requester?: RequesterPayload;

  /** Instant to evaluate business hours at; now when absent. */
  @IsOptional()
  @IsISO8601({ strict: true })
  at?: string;

  /** Organisation whose dedicated PSM to resolve. */
  @IsOptional()
  @IsString()
  @Length(1, 128)
  orgId?: string;
}

const REQUESTER_SCHEMA: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['email'],
  properties: {
    email: { type: 'string', format: 'email', maxLength: 254 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    orgId: { type: 'string', minLength: 1, maxLength: 128 },
    userId: { type: 'string', minLength: 1, maxLength: 128 },
  },
};

/** OpenAPI schema of the body (the class-validator decorators above stay the single source of validation). */
export const PREVIEW_BODY_SCHEMA: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['channel', 'message'],
  properties: {
    channel: { type: 'string', enum: [...CHANNELS] },
    requestType: { type: 'string', enum: [...REQUEST_TYPES], description: 'required for form' },
    subject: { type: 'string', maxLength: SUBJECT_MAX_LENGTH },
    message: { type: 'string', minLength: 1, maxLength: MESSAGE_MAX_LENGTH },
    urgency: { type: 'string', enum: [...URGENCIES], default: 'normal' },
    allowWorkspaceTesting: { type: 'boolean', description: 'form only' },
    locale: { type: 'string', enum: [...LOCALES] },
    requester: { ...REQUESTER_SCHEMA, description: 'its orgId resolves the dedicated PSM when orgId is absent' },
    at: { type: 'string', description: 'instant (ISO-8601) to evaluate business hours at; default now' },
    orgId: { type: 'string', minLength: 1, maxLength: 128, description: 'organisation whose dedicated PSM to resolve' },
  },
};
