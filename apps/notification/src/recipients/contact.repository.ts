import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Locale } from '#contracts';
import { updateReturning } from '../updated-rows.js';

export interface RequesterContact {
  readonly ticketId: string;
  readonly email: string | null;
  readonly locale: Locale;
}

export type ContactLookup = { readonly kind: 'unknown' } | { readonly kind: 'erased' } | { readonly kind: 'known'; readonly email: string | null };

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
    await this.dataSource.query(
      `INSERT INTO notification.contacts (ticket_id, email, locale, recorded_at)
       SELECT *, $4::timestamptz FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (ticket_id) DO NOTHING`,
      [contacts.map((contact) => contact.ticketId), contacts.map((contact) => contact.email), contacts.map((contact) => contact.locale), now],
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
