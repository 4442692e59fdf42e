/** How many earlier Message-IDs a References header names at most (the first one and the latest ones). */
export const MAX_REFERENCES = 20;

/** The RFC 5322 threading headers of the next mail of a conversation. */
export interface MailThread {
  /** The latest earlier mail, or null for the first mail of the ticket. */
  readonly inReplyTo: string | null;
  /** The earlier mails, oldest first. */
  readonly references: readonly string[];
}

/** `<uuid@domain>`: a notification's Message-ID, the same on every attempt, naming nobody. */
export function mailMessageId(notificationId: string, domain: string): string {
  return `<${notificationId}@${domain}>`;
}

/**
 * Threads a mail after the ticket's earlier mails (oldest first, the acknowledgement included).
 * A long thread keeps its first mail and its latest ones in References, as RFC 5322 suggests
 * trimming, so the header stays bounded and clients still find the root and the parent.
 */
export function mailThread(earlier: readonly string[], maxReferences: number = MAX_REFERENCES): MailThread {
  const inReplyTo = earlier.at(-1) ?? null;
  if (earlier.length <= maxReferences) return { inReplyTo, references: [...earlier] };
  const first = earlier[0];
  const latest = earlier.slice(earlier.length - (maxReferences - 1));
  return { inReplyTo, references: first === undefined ? latest : [first, ...latest] };
}
