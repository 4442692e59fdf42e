import {
  IsArray,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Validate,
  ValidatorConstraint,
} from 'class-validator';
import type { ValidatorConstraintInterface } from 'class-validator';

const SUBJECT_REF = /^[0-9a-f]{64}$/;
const MAX_ITEMS = 100_000;
const ID_MAX_LENGTH = 128;

// Whole-list checks rather than `each` ones: the fast payload check handles them without falling back.
@ValidatorConstraint({ name: 'subjectRefs' })
class SubjectRefsConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return (
      Array.isArray(value) &&
      value.length <= MAX_ITEMS &&
      value.every((item) => typeof item === 'string' && SUBJECT_REF.test(item))
    );
  }

  defaultMessage(): string {
    return `refs must be a list of at most ${MAX_ITEMS} subject references (64 hex characters)`;
  }
}

@ValidatorConstraint({ name: 'ticketIds' })
class TicketIdsConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return (
      Array.isArray(value) &&
      value.length <= MAX_ITEMS &&
      value.every((item) => typeof item === 'string' && item.length > 0 && item.length <= ID_MAX_LENGTH)
    );
  }

  defaultMessage(): string {
    return `ticketIds must be a list of at most ${MAX_ITEMS} ticket ids`;
  }
}

/**
 * `support.subjects.erased.v1` (compacted, keyed by subjectRef): a data subject's GDPR erasure.
 * It names no one: subjects are history's keyed pseudonyms (`refs`) and their tickets by id, which
 * is what each service needs to erase its own copies, today and when it rebuilds from the topics.
 */
export class SubjectErasedPayload {
  @IsString()
  @IsNotEmpty()
  erasureId!: string;

  /** The subject asked for. */
  @Matches(SUBJECT_REF)
  subjectRef!: string;

  /** Every subject covered: the one asked for, the addresses their account used, their tickets' own subjects. */
  @IsArray()
  @Validate(SubjectRefsConstraint)
  refs!: string[];

  /** The tickets whose requester's data is erased. */
  @IsArray()
  @Validate(TicketIdsConstraint)
  ticketIds!: string[];

  @IsISO8601()
  erasedAt!: string;

  /** The privacy officer's user id. */
  @IsString()
  requestedBy!: string;

  /** The organisation the officer acted for; null for the vendor's own officer. */
  @IsOptional()
  @IsString()
  organisation!: string | null;
}
