import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  Min,
  Validate,
  ValidateIf,
  ValidateNested,
  ValidatorConstraint,
} from 'class-validator';
import type { ValidationArguments, ValidatorConstraintInterface } from 'class-validator';
import { CHANNELS, LOCALES, REQUEST_TYPES, URGENCIES } from '../enums.js';
import type { Channel, Locale, RequestType, Urgency } from '../enums.js';

@ValidatorConstraint({ name: 'formOnly' })
class FormOnlyConstraint implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    return (args.object as { channel?: unknown }).channel === 'form';
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property} is only accepted on the form channel`;
  }
}

export const SUBJECT_MAX_LENGTH = 200;

/** E.164: a plus, the country code, then the number; at most 15 digits. */
export const PHONE_PATTERN = /^\+[1-9][0-9]{6,14}$/;

/** A ticket reference as requesters see it (`SR-7K4Q-M2XD`); letters in either case. */
export const TICKET_REFERENCE_PATTERN = /^SR-[0-9A-Z]{4}-[0-9A-Z]{4}$/i;
export const MESSAGE_MAX_LENGTH = 10_000;

/** Who asked, as an upstream app or the email gateway knows them. */
export class RequesterPayload {
  @IsEmail({}, { message: 'requester.email must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @IsOptional()
  @IsString()
  @Length(1, 128)
  orgId?: string;

  @IsOptional()
  @IsString()
  @Length(1, 128)
  userId?: string;

  /** E.164, so that the phone desk can call back. */
  @IsOptional()
  @Matches(PHONE_PATTERN, { message: 'requester.phone must be a phone number in E.164 form, e.g. +33612345678' })
  phone?: string;
}

/** The fields of a help request common to `POST /v1/requests` and `support.requests.v1`. */
export class RequestFields {
  @IsIn(CHANNELS, { message: `channel must be one of ${CHANNELS.join(', ')}` })
  channel!: Channel;

  @ValidateIf((request: RequestFields) => request.channel === 'form' || request.requestType !== undefined)
  @IsIn(REQUEST_TYPES, { message: `requestType must be one of ${REQUEST_TYPES.join(', ')} (required for form)` })
  requestType?: RequestType;

  @IsOptional()
  @IsString()
  @MaxLength(SUBJECT_MAX_LENGTH)
  subject?: string;

  @IsString()
  @Length(1, MESSAGE_MAX_LENGTH)
  message!: string;

  @IsOptional()
  @IsIn(URGENCIES, { message: `urgency must be one of ${URGENCIES.join(', ')}` })
  urgency?: Urgency;

  @IsOptional()
  @IsBoolean()
  @Validate(FormOnlyConstraint)
  allowWorkspaceTesting?: boolean;

  @IsOptional()
  @IsIn(LOCALES, { message: `locale must be one of ${LOCALES.join(', ')}` })
  locale?: Locale;

  /** A follow-up: the reference of the requester's ticket this message belongs to. */
  @IsOptional()
  @Matches(TICKET_REFERENCE_PATTERN, { message: 'ticketReference must be a ticket reference such as SR-7K4Q-M2XD' })
  ticketReference?: string;
}

/**
 * An upstream request id: id-like (letters, digits, `._:-`), never an address or a name, since it
 * becomes a record key and the correlation id of every event and log line of the request.
 */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** A raw request produced by an upstream app to `support.requests.v1`. */
export class UpstreamRequestPayload extends RequestFields {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  @Matches(REQUEST_ID_PATTERN, {
    message:
      'requestId must be 1 to 128 letters, digits, dots, underscores, colons or dashes, starting with a letter or digit',
  })
  requestId!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => RequesterPayload)
  requester!: RequesterPayload;
}

export class FieldErrorPayload {
  @IsString()
  field!: string;

  @IsString()
  code!: string;

  @IsString()
  message!: string;
}

/** `support.requests.rejected.v1`: an upstream event that failed validation, kept with every reason. */
export class RequestRejectedPayload {
  @IsOptional()
  @IsString()
  requestId!: string | null;

  // @ValidateNested alone lets a missing value or an object through.
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FieldErrorPayload)
  errors!: FieldErrorPayload[];

  /**
   * The record value as received (UTF-8, possibly not JSON), cut when the rejection would not fit
   * in a Kafka record: then `rawValueTruncated` is true and `rawValueBytes`/`rawValueSha256`
   * describe the whole original value, which stays at `sourceTopic`/`sourcePartition`/`sourceOffset`.
   */
  @IsString()
  rawValue!: string;

  @IsOptional()
  @IsBoolean()
  rawValueTruncated?: boolean;

  @IsOptional()
  @IsInt()
  @Min(0)
  rawValueBytes?: number;

  @IsOptional()
  @IsString()
  @Matches(/^[0-9a-f]{64}$/)
  rawValueSha256?: string;

  @IsString()
  sourceTopic!: string;

  @IsString()
  sourcePartition!: string;

  @IsString()
  sourceOffset!: string;

  @IsString()
  rejectedAt!: string;
}
