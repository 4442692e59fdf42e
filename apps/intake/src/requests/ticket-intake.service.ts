import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Topics, deterministicUuid, ticketReference } from '#contracts';
import type {
  Channel,
  FieldError,
  RequestFields,
  TicketMessagePayload,
  TicketRequesterPayload,
  TicketSubmittedPayload,
  TopicName,
  TopicPayloads,
} from '#contracts';
import { EventPublisher, KafkaErrorCode, KafkaPublishError } from '#kafka';
import type { OutgoingEvent } from '#kafka';
import { ApplicationError } from '#platform';
import { inferLocale, normaliseText } from './text-normaliser.js';

export const IntakeErrorCode = {
  validation: 'VALIDATION_FAILED',
  kafkaUnavailable: 'KAFKA_UNAVAILABLE',
  ticketRefused: 'TICKET_REFUSED',
} as const;

export interface SubmissionIdentity {
  readonly ticketId: string;
  /** `ce_id` of the submitted event. */
  readonly eventId: string;
  readonly requestId: string;
}

export interface Submission {
  readonly request: RequestFields;
  readonly requester: TicketRequesterPayload;
  /** userId of whoever gave the workspace-testing consent (form only). */
  readonly consentGivenBy: string | null;
  readonly identity: SubmissionIdentity;
  readonly receivedAt: string;
  readonly correlationId?: string;
  /** The older ticket a late follow-up names (resolved longer ago than the reopen window). */
  readonly relatedTicketId?: string | null;
}

/** A request that joins one of its requester's tickets as a message. */
export interface FollowUp {
  readonly ticketId: string;
  readonly messageId: string;
  /** The channel it came in on. */
  readonly channel: Channel;
  readonly message: string;
  /** The requester's user id; null for someone without an account. */
  readonly authorId: string | null;
  readonly receivedAt: string;
  readonly correlationId: string;
}

/** Ids of an upstream event: the same requestId always yields the same ticket and the same event id. */
export function identityForRequestId(requestId: string): SubmissionIdentity {
  return {
    requestId,
    ticketId: deterministicUuid('ticket', requestId),
    eventId: deterministicUuid('ticket.submitted', requestId),
  };
}

/** Ids of an HTTP request without an idempotency key. */
export function freshIdentity(): SubmissionIdentity {
  const requestId = randomUUID();
  return identityForRequestId(requestId);
}

const EMPTY_MESSAGE: FieldError = {
  field: 'message',
  code: 'isNotEmpty',
  message: 'message has no text once HTML is removed',
};

export function fieldErrorsProblem(errors: readonly FieldError[]): ApplicationError {
  return new ApplicationError(
    IntakeErrorCode.validation,
    400,
    `the request has ${errors.length} invalid field(s)`,
    errors,
  );
}

/** Normalises a validated request into a ticket, or a follow-up into a message, and writes it durably to Kafka. */
@Injectable()
export class TicketIntakeService {
  constructor(private readonly publisher: EventPublisher) {}

  buildTicket(submission: Submission): TicketSubmittedPayload {
    const { request, requester, identity } = submission;
    const subject = request.subject === undefined ? null : normaliseText(request.subject) || null;
    const message = normaliseText(request.message);
    const channel: Channel = request.channel;
    return {
      ticketId: identity.ticketId,
      reference: ticketReference(identity.ticketId),
      requestId: identity.requestId,
      channel,
      requestType: request.requestType ?? null,
      subject,
      message,
      urgency: request.urgency ?? 'normal',
      locale: request.locale ?? inferLocale(subject ?? '', message),
      workspaceTesting:
        channel === 'form'
          ? {
              granted: request.allowWorkspaceTesting ?? true,
              grantedBy: submission.consentGivenBy ?? 'unknown',
              recordedAt: submission.receivedAt,
            }
          : null,
      requester,
      receivedAt: submission.receivedAt,
      ...(submission.relatedTicketId ? { relatedTicketId: submission.relatedTicketId } : {}),
    };
  }

  /** The follow-up's message event, or the field errors that prevent it (a message that was only markup). */
  messageEvent(
    followUp: FollowUp,
  ): { readonly event: OutgoingEvent<TicketMessagePayload> } | { readonly errors: FieldError[] } {
    const body = normaliseText(followUp.message);
    if (body.length === 0) return { errors: [EMPTY_MESSAGE] };
    return {
      event: {
        key: followUp.ticketId,
        id: followUp.messageId,
        payload: {
          ticketId: followUp.ticketId,
          messageId: followUp.messageId,
          direction: 'inbound',
          visibility: 'public',
          author: { kind: 'requester', id: followUp.authorId },
          channel: followUp.channel,
          body,
          sentAt: followUp.receivedAt,
        },
        time: followUp.receivedAt,
        correlationId: followUp.correlationId,
      },
    };
  }

  /** The ticket and its submitted event, or the field errors that prevent it (a message that was only markup). */
  ticketEvent(
    submission: Submission,
  ):
    | { readonly ticket: TicketSubmittedPayload; readonly event: OutgoingEvent<TicketSubmittedPayload> }
    | { readonly errors: FieldError[] } {
    const ticket = this.buildTicket(submission);
    if (ticket.message.length === 0) return { errors: [EMPTY_MESSAGE] };
    return {
      ticket,
      event: {
        key: ticket.ticketId,
        id: submission.identity.eventId,
        payload: ticket,
        time: ticket.receivedAt,
        correlationId: submission.correlationId ?? submission.identity.requestId,
      },
    };
  }

  async submit(submission: Submission): Promise<TicketSubmittedPayload> {
    const built = this.ticketEvent(submission);
    if ('errors' in built) throw fieldErrorsProblem(built.errors);
    await this.publishDurably(Topics.ticketsSubmitted, built.event);
    return built.ticket;
  }

  async submitFollowUp(followUp: FollowUp): Promise<TicketMessagePayload> {
    const built = this.messageEvent(followUp);
    if ('errors' in built) throw fieldErrorsProblem(built.errors);
    await this.publishDurably(Topics.ticketsMessages, built.event);
    return built.event.payload;
  }

  private async publishDurably<T extends TopicName>(topic: T, event: OutgoingEvent<TopicPayloads[T]>): Promise<void> {
    try {
      await this.publisher.publish(topic, event);
    } catch (error) {
      if (!(error instanceof KafkaPublishError)) throw error;
      if (error.code === KafkaErrorCode.recordRefused) {
        throw new ApplicationError(
          IntakeErrorCode.ticketRefused,
          422,
          'the ticket cannot be stored: Kafka refused its record',
        );
      }
      // A request that timed out or lost its connection may still have been written: nobody knows.
      throw new ApplicationError(
        IntakeErrorCode.kafkaUnavailable,
        503,
        'the ticket could not be confirmed as stored: the outcome is unknown; retry with the same Idempotency-Key (without one, a retry may create a second ticket)',
        undefined,
        { 'retry-after': '5' },
      );
    }
  }
}
