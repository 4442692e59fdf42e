import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Locale } from '#contracts';
import { column, unnestRows, updateReturning } from '#platform';

export interface RequesterContact {
  readonly ticketId: string;
  readonly email: string | null;
  readonly locale: Locale;
}

const CONTACT_COLUMNS = [
  column<RequesterContact>('ticket_id', 'text', (contact) => contact.ticketId),
  column<RequesterContact>('email', 'text', (contact) => contact.email),
  column<RequesterContact>('locale', 'text', (contact) => contact.locale),
];

export type ContactLookup =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'erased' }
  | { readonly kind: 'known'; readonly email: string | null };

/**
 * The requester's email address per ticket: written only when requesters are emailed, read once
 * to send the acknowledgement, erased as soon as that notification is settled.
 */
@Injectable()
export class ContactRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A contact seen before (even erased) is left as it is: a redelivered ticket never restores an address. */
  async save(contacts: readonly RequesterContact[], now: Date): Promise<void> {
    if (contacts.length === 0) return;
    const rows = unnestRows('c', CONTACT_COLUMNS, contacts, { first: 2 });
    await this.dataSource.query(
      `INSERT INTO notification.contacts (${rows.names}, recorded_at)
       SELECT ${rows.names}, $1::timestamptz FROM ${rows.source}
       ON CONFLICT (ticket_id) DO NOTHING`,
      [now, ...rows.parameters],
    );
  }

  async find(ticketId: string): Promise<ContactLookup> {
    const rows = await this.dataSource.query<{ email: string | null; erased_at: Date | null }[]>(
      `SELECT email, erased_at FROM notification.contacts WHERE ticket_id = $1`,
      [ticketId],
    );
    const row = rows[0];
    if (!row) return { kind: 'unknown' };
    return row.erased_at ? { kind: 'erased' } : { kind: 'known', email: row.email };
  }

  /**
   * Erasure of these tickets' requester: their address is forgotten, and a ticket not seen yet is
   * recorded as erased, so that its submitted event, arriving later, never stores the address.
   */
  async eraseTickets(ticketIds: readonly string[], now: Date): Promise<number> {
    if (ticketIds.length === 0) return 0;
    const rows = await this.dataSource.query<{ count: number }[]>(
      `WITH erased AS (
         INSERT INTO notification.contacts (ticket_id, email, locale, recorded_at, erased_at)
         SELECT ticket_id, NULL, 'en', $2::timestamptz, $2::timestamptz FROM unnest($1::text[]) AS t(ticket_id)
         ON CONFLICT (ticket_id) DO UPDATE SET email = NULL, erased_at = COALESCE(notification.contacts.erased_at, EXCLUDED.erased_at)
         RETURNING 1)
       SELECT count(*)::int AS count FROM erased`,
      [ticketIds, now],
    );
    return rows[0]?.count ?? 0;
  }

  /** Erases addresses kept longer than needed (their ticket was never routed, or never settled). */
  async eraseRecordedBefore(cutoff: Date, now: Date): Promise<number> {
    const rows = await updateReturning<{ ticket_id: string }>(
      this.dataSource,
      `UPDATE notification.contacts SET email = NULL, erased_at = $2
        WHERE erased_at IS NULL AND recorded_at < $1
       RETURNING ticket_id`,
      [cutoff, now],
    );
    return rows.length;
  }
}
