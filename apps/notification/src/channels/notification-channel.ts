import type { Audience, Locale } from '#contracts';

/** One message to one audience about one ticket. */
export interface OutgoingNotification {
  /** Deterministic: a redelivered event yields the same id, and receivers can deduplicate on it. */
  readonly notificationId: string;
  readonly ticketId: string;
  readonly reference: string;
  readonly audience: Audience;
  /** Who exactly: a PSM id, a team name; null for the requester (resolved by the channel). */
  readonly recipient: string | null;
  readonly locale: Locale;
  readonly subject: string;
  readonly body: string;
}

/** A way of delivering notifications (log, webhook, email). */
export interface NotificationChannel {
  readonly name: string;
  deliver(notification: OutgoingNotification): Promise<void>;
}

export const NOTIFICATION_CHANNEL = Symbol('NOTIFICATION_CHANNEL');
