import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { MESSAGE_MAX_LENGTH, MESSAGE_VISIBILITIES } from '#contracts';
import type { MessageVisibility } from '#contracts';

/** `POST /v1/desk/tickets/{ticketId}/reply` */
export class ReplyBody {
  @ApiProperty({ minLength: 1, maxLength: MESSAGE_MAX_LENGTH, description: 'plain text' })
  @IsString()
  @Length(1, MESSAGE_MAX_LENGTH, { message: `text must be 1 to ${MESSAGE_MAX_LENGTH} characters` })
  text!: string;

  @ApiProperty({
    enum: MESSAGE_VISIBILITIES,
    description: 'public: sent to the requester; internal: a note among staff',
  })
  @IsIn(MESSAGE_VISIBILITIES, { message: `visibility must be one of ${MESSAGE_VISIBILITIES.join(', ')}` })
  visibility!: MessageVisibility;
}

/** `POST /v1/desk/tickets/{ticketId}/assign` (lead) */
export class AssignBody {
  @ApiProperty({ minLength: 1, maxLength: 128, description: "the agent's id (their token's sub)" })
  @IsString()
  @Length(1, 128, { message: 'agentId must be 1 to 128 characters' })
  agentId!: string;
}
