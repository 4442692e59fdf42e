import { ApiProperty } from '@nestjs/swagger';
import type { ErasureOutcome } from './erasure.service.js';
import { SUBJECT_MAX_LENGTH } from './erasure.service.js';

/** `DELETE /v1/subjects/{subjectId}`: what an erasure covered, as the privacy officer is told. */
export class ErasureOutcomeView implements ErasureOutcome {
  @ApiProperty({ format: 'uuid', description: 'id of the erasure event' }) erasureId!: string;

  @ApiProperty({
    type: [String],
    description: "the identifiers erased: the one asked for, and the addresses the account's tickets were sent under",
    example: ['user-42', 'jeanne.martin@example.com'],
  })
  subjects!: string[];

  @ApiProperty({ type: 'integer', minimum: 0, description: 'tickets whose personal data became unreadable' })
  tickets!: number;

  @ApiProperty({ type: [String], example: ['SR-7K4Q-M2XD'] }) ticketReferences!: string[];

  @ApiProperty({ type: 'integer', minimum: 0, description: 'data keys destroyed: 0 when already erased' })
  keysDestroyed!: number;

  @ApiProperty({ format: 'date-time' }) erasedAt!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'place of the erasure in the audit chain; null when an earlier delivery of it recorded it',
    example: '1843',
  })
  auditSeq!: string | null;
}

export const SUBJECT_ID_SCHEMA = { type: 'string', minLength: 1, maxLength: SUBJECT_MAX_LENGTH } as const;
