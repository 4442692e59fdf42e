import { Type } from 'class-transformer';
import { IsISO8601, IsObject, IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { RequestFields, RequesterPayload } from '#contracts';

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
