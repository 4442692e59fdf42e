import type { Audience, Locale } from '#contracts';
import type { ChannelName } from '../recipients/recipients.js';

export const NOTIFICATION_KINDS = [
  'ticket.routed',
  'alert.raised',
  'alert.escalated',
  'ticket.reply',
  'ticket.follow-up',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** One message to one audience about one ticket. */
export interface OutgoingNotification {
  /** Deterministic: a redelivered event yields the same id, and receivers can deduplicate on it. */
  readonly notificationId: string;
  readonly ticketId: string;
  readonly reference: string;
  readonly kind: NotificationKind;
  readonly audience: Audience;
  /** Who exactly: a PSM id, a team name; null for the requester (their address is looked up when sending). */
  readonly recipient: string | null;
  readonly locale: Locale;
  readonly subject: string;
  readonly body: string;
  readonly alertId: string | null;
  readonly escalationLevel: number | null;
}

/** A notification being delivered: the message plus when it was planned (stable across attempts). */
export interface Delivery extends OutgoingNotification {
  readonly createdAt: Date;
  readonly attempt: number;
  /** W3C traceparent of the event that caused the notification; webhook calls continue its trace. */
  readonly traceparent?: string | null;
}

/** A concrete address on one channel. */
export type ResolvedTarget =
  { readonly channel: 'log' } | { readonly channel: 'webhook'; readonly url: string } | EmailAddress;

/** An email recipient, and where the mail sits in the ticket's thread (requesters' mails only). */
export interface EmailAddress {
  readonly channel: 'email';
  readonly to: string;
  readonly inReplyTo?: string | null;
  readonly references?: readonly string[];
}

/** A way of delivering notifications (log, webhook, email). */
export interface NotificationChannel<T extends ResolvedTarget = ResolvedTarget> {
  readonly name: ChannelName;
  /** Resolves once the receiver has accepted the message; rejects with a DeliveryError otherwise. */
  deliver(delivery: Delivery, target: T, signal: AbortSignal): Promise<void>;
}

export const DeliveryErrorCode = {
  timeout: 'TIMEOUT',
  network: 'NETWORK_ERROR',
  httpStatus: 'HTTP_STATUS',
  smtpRejected: 'SMTP_REJECTED',
  smtpUnavailable: 'SMTP_UNAVAILABLE',
  contactUnknown: 'CONTACT_UNKNOWN',
  channelNotConfigured: 'CHANNEL_NOT_CONFIGURED',
  unexpected: 'UNEXPECTED_ERROR',
} as const;

/** Why one attempt failed, and whether another attempt may succeed. */
export class DeliveryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    /** What the receiver asked for (Retry-After), when it did. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Rejects with a timeout DeliveryError when the signal aborts first. */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw new DeliveryError(DeliveryErrorCode.timeout, 'attempt timed out', true);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new DeliveryError(DeliveryErrorCode.timeout, 'attempt timed out', true));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
