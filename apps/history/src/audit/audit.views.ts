import { ApiProperty } from '@nestjs/swagger';
import { Topics, topicSpec } from '#contracts';
import type { BrokenEntry, ChainProblem, VerifyOutcome } from './chain-verifier.js';

const CHAIN_PROBLEMS: readonly ChainProblem[] = ['missing-entry', 'content-changed', 'link-broken', 'head-mismatch'];

export class BrokenEntryView implements BrokenEntry {
  @ApiProperty({ description: 'sequence number of the entry', example: '1842' }) seq!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "CloudEvents id of the entry; null when missing, or withheld from an organisation's auditor",
  })
  ceId!: string | null;
  @ApiProperty({ enum: CHAIN_PROBLEMS }) problem!: ChainProblem;
  @ApiProperty({ example: 'the stored entry does not give its recorded hash' }) detail!: string;
}

/** The chain holds from the first entry to the head. */
export class ChainIntactView implements Extract<VerifyOutcome, { ok: true }> {
  @ApiProperty({ type: 'boolean', enum: [true] }) ok!: true;
  @ApiProperty({ type: 'integer', description: 'entries checked' }) checked!: number;
  @ApiProperty({ description: 'sequence number of the head entry', example: '1842' }) headSeq!: string;
  @ApiProperty({ description: 'hash of the head entry (hex)' }) headHash!: string;
}

/** The chain breaks: where first, and how. */
export class ChainBrokenView implements Extract<VerifyOutcome, { ok: false }> {
  @ApiProperty({ type: 'boolean', enum: [false] }) ok!: false;
  @ApiProperty({ type: 'integer', description: 'entries checked before the break' }) checked!: number;
  @ApiProperty({ description: 'sequence number the head names', example: '1842' }) headSeq!: string;
  @ApiProperty({ type: () => BrokenEntryView }) firstBroken!: BrokenEntryView;
}

/** One line of the ndjson export (the csv export has the same columns, details last, as JSON text). */
export class ExportedEventView {
  @ApiProperty({ description: 'place in the audit chain', example: '1842' }) seq!: string;
  @ApiProperty({ description: 'CloudEvents id' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) ticketId!: string | null;
  @ApiProperty({ type: String, nullable: true }) orgId!: string | null;
  @ApiProperty({ example: Topics.ticketsRouted }) topic!: string;
  @ApiProperty({ example: topicSpec(Topics.ticketsRouted).eventType }) type!: string;
  @ApiProperty({ format: 'date-time', description: 'when it occurred' }) time!: string;
  @ApiProperty({ format: 'date-time', description: 'when history recorded it' }) recordedAt!: string;
  @ApiProperty({ enum: ['none', 'withheld'], description: 'personal data is never exported' })
  personalData!: 'none' | 'withheld';
  @ApiProperty({ description: 'hash of the entry (hex)' }) hash!: string;
  @ApiProperty({ description: 'hash of the entry before it (hex)' }) prevHash!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "the event's payload as recorded, personal fields aside",
  })
  details!: Record<string, unknown>;
}
