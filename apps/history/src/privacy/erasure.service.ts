import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Topics, topicSpec } from '#contracts';
import type { SubjectErasedPayload } from '#contracts';
import { EventPublisher, KafkaPublishError } from '#kafka';
import { ApplicationError, forbidden } from '#platform';
import type { AccessScope } from '../access/audit-access.js';
import { HistoryRepository } from '../recording/history.repository.js';
import { ErasureRepository } from './erasure.repository.js';
import type { ErasureScope } from './erasure.repository.js';
import { SubjectVault } from './subject-vault.js';

export const ErasureErrorCode = {
  subjectNotFound: 'SUBJECT_NOT_FOUND',
  otherOrganisation: 'SUBJECT_OF_OTHER_ORGANISATION',
  invalidSubject: 'INVALID_SUBJECT',
  kafkaUnavailable: 'KAFKA_UNAVAILABLE',
} as const;

/** Emails are at most 254 characters, but a subject id may be any identifier up to this. */
export const SUBJECT_MAX_LENGTH = 320;

/** What an erasure covered, as the privacy officer is told. */
export interface ErasureOutcome {
  readonly erasureId: string;
  /** The identifiers erased: the one asked for, and the addresses the account's tickets were sent under. */
  readonly subjects: readonly string[];
  readonly tickets: number;
  readonly ticketReferences: readonly string[];
  readonly keysDestroyed: number;
  readonly erasedAt: string;
  /** Place of the erasure in the audit chain (null: recorded already, by an earlier delivery of it). */
  readonly auditSeq: string | null;
}

@Injectable()
export class ErasureService {
  constructor(
    private readonly erasures: ErasureRepository,
    private readonly history: HistoryRepository,
    private readonly publisher: EventPublisher,
    private readonly vault: SubjectVault,
  ) {}

  /**
   * GDPR erasure of one data subject (their userId, or their email without an account), and of
   * the addresses their account's tickets were sent under. The erasure is an event on
   * `support.subjects.erased.v1`, written first: every service erases its own copies from it, and
   * history applies it again whenever it reads the topic (a rebuilt store included). Here it is
   * applied at once: keys destroyed, so every ciphertext of the subject's data is unreadable, and
   * the subject entered in the ledger, so no later event can make their data readable again;
   * tickets, timelines, statistics and the chain stay as they were. Repeating it is harmless.
   */
  async erase(scope: AccessScope, subjectId: string): Promise<ErasureOutcome> {
    const trimmed = subjectId.trim();
    if (trimmed === '' || trimmed.length > SUBJECT_MAX_LENGTH) {
      throw new ApplicationError(
        ErasureErrorCode.invalidSubject,
        400,
        `the subject id must be 1 to ${SUBJECT_MAX_LENGTH} characters`,
        [{ field: 'subjectId', code: 'length', message: `1 to ${SUBJECT_MAX_LENGTH} characters` }],
      );
    }
    const subjectRef = this.vault.subjectRef(trimmed);
    const covered = await this.erasures.scope(subjectRef);
    const refusal = refusalOf(scope, covered);
    if (refusal) throw refusal;

    const erasedAt = new Date().toISOString();
    const payload: SubjectErasedPayload = {
      erasureId: randomUUID(),
      subjectRef,
      refs: [
        ...new Set([
          subjectRef,
          ...covered.aliasRefs,
          ...covered.tickets.map((ticket) => this.vault.subjectRef(`ticket:${ticket.ticketId}`)),
        ]),
      ],
      ticketIds: covered.tickets.map((ticket) => ticket.ticketId),
      erasedAt,
      requestedBy: scope.actor,
      organisation: scope.kind === 'organisation' ? scope.orgId : null,
    };
    try {
      await this.publisher.publish(Topics.subjectsErased, {
        key: subjectRef,
        id: payload.erasureId,
        time: erasedAt,
        payload,
      });
    } catch (error) {
      if (!(error instanceof KafkaPublishError)) throw error;
      throw new ApplicationError(
        ErasureErrorCode.kafkaUnavailable,
        503,
        'the erasure could not be recorded in Kafka; nothing was erased, retry later',
        undefined,
        {
          'retry-after': '5',
        },
      );
    }
    const applied = await this.history.appendErasure({
      ceId: payload.erasureId,
      ticketId: null,
      topic: Topics.subjectsErased,
      type: topicSpec(Topics.subjectsErased).eventType,
      source: this.publisher.source,
      occurredAt: erasedAt,
      partition: -1,
      offset: '-1',
      payload: payload as unknown as Record<string, unknown>,
    });
    return {
      erasureId: payload.erasureId,
      subjects: [trimmed, ...covered.aliases.filter((alias) => alias.toLowerCase() !== trimmed.toLowerCase())],
      tickets: covered.tickets.length,
      ticketReferences: covered.tickets.flatMap((ticket) => (ticket.reference === null ? [] : [ticket.reference])),
      keysDestroyed: applied.keysDestroyed,
      erasedAt,
      auditSeq: applied.seq,
    };
  }
}

function refusalOf(scope: AccessScope, covered: ErasureScope): Error | undefined {
  const notFound = new ApplicationError(
    ErasureErrorCode.subjectNotFound,
    404,
    'history holds no personal data of this subject',
  );
  if (scope.kind === 'global') return covered.known ? undefined : notFound;
  const orgIds = new Set(covered.tickets.map((ticket) => ticket.orgId));
  // A subject with no ticket in the officer's organisation is, for that officer, unknown.
  if (!orgIds.has(scope.orgId)) return notFound;
  if ([...orgIds].some((orgId) => orgId !== scope.orgId)) {
    return forbidden(
      ErasureErrorCode.otherOrganisation,
      "the subject has tickets outside your organisation: the vendor's privacy officer must erase them",
    );
  }
  return undefined;
}
