import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { HistoryRecords } from '#contracts';
import { ApplicationError, forbidden } from '#platform';
import type { AccessScope } from '../access/audit-access.js';
import { ErasureRepository } from './erasure.repository.js';
import type { ErasureOutcome, SubjectTickets } from './erasure.repository.js';
import { SubjectVault } from './subject-vault.js';

export const ErasureErrorCode = {
  subjectNotFound: 'SUBJECT_NOT_FOUND',
  otherOrganisation: 'SUBJECT_OF_OTHER_ORGANISATION',
  invalidSubject: 'INVALID_SUBJECT',
} as const;

/** Erasures are chain entries of the history itself, not Kafka records. */
export const ERASURE_RECORD = { ...HistoryRecords.subjectErased, source: '/support/history' } as const;

const SUBJECT_MAX_LENGTH = 320;

@Injectable()
export class ErasureService {
  constructor(
    private readonly erasures: ErasureRepository,
    private readonly vault: SubjectVault,
  ) {}

  /**
   * GDPR erasure of one data subject (their userId, or their email without an account): their
   * keys are destroyed, so every ciphertext of their personal data becomes unreadable, while
   * tickets, timelines, statistics and the chain stay as they were. Repeating it is harmless.
   */
  async erase(scope: AccessScope, subjectId: string): Promise<ErasureOutcome> {
    const trimmed = subjectId.trim();
    if (trimmed === '' || trimmed.length > SUBJECT_MAX_LENGTH) {
      throw new ApplicationError(ErasureErrorCode.invalidSubject, 400, `the subject id must be 1 to ${SUBJECT_MAX_LENGTH} characters`, [
        { field: 'subjectId', code: 'length', message: `1 to ${SUBJECT_MAX_LENGTH} characters` },
      ]);
    }
    const subjectRef = this.vault.subjectRef(trimmed);
    return this.erasures.erase(
      {
        subjectRef,
        refs: [subjectRef],
        check: (tickets) => refusal(scope, tickets),
        record: (outcome) => ({
          ceId: randomUUID(),
          ticketId: null,
          topic: ERASURE_RECORD.topic,
          type: ERASURE_RECORD.type,
          source: ERASURE_RECORD.source,
          occurredAt: outcome.erasedAt,
          partition: -1,
          offset: '-1',
          payload: {
            subjectRef,
            keysDestroyed: outcome.keysDestroyed,
            tickets: outcome.tickets,
            requestedBy: scope.actor,
            organisation: scope.kind === 'organisation' ? scope.orgId : null,
          },
        }),
      },
      (ticketId) => this.vault.subjectRef(`ticket:${ticketId}`),
    );
  }
}

function refusal(scope: AccessScope, tickets: SubjectTickets): Error | undefined {
  const notFound = new ApplicationError(ErasureErrorCode.subjectNotFound, 404, 'history holds no personal data of this subject');
  if (scope.kind === 'global') return tickets.known || tickets.ticketIds.length > 0 ? undefined : notFound;
  // A subject with no ticket in the officer's organisation is, for that officer, unknown.
  if (!tickets.orgIds.has(scope.orgId)) return notFound;
  if ([...tickets.orgIds].some((orgId) => orgId !== scope.orgId)) {
    return forbidden(ErasureErrorCode.otherOrganisation, "the subject has tickets outside your organisation: the vendor's privacy officer must erase them");
  }
  return undefined;
}
