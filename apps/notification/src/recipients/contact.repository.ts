import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Locale } from '#contracts';
import { column, unnestRows, updateReturning } from '#platform';

export interface RequesterContact {
  readonly ticketId: string;
  readonly email: string | null;
  readonly locale: Locale;
  readonly name?: string | null;
  readonly phone?: string | null;
  /** The request's text, shown to the phone desk on an alert. */
  readonly message?: string | null;
}

const CONTACT_COLUMNS = [
  column<RequesterContact>('ticket_id', 'text', (contact) => contact.ticketId),
  column<RequesterContact>('email', 'text', (contact) => contact.email),
  column<RequesterContact>('locale', 'text', (contact) => contact.locale),
  column<RequesterContact>('name', 'text', (contact) => contact.name ?? null),
  column<RequesterContact>('phone', 'text', (contact) => contact.phone ?? null),
  column<RequesterContact>('message', 'text', (contact) => contact.message ?? null),
];

export type ContactLookup =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'erased' }
  | { readonly kind: 'known'; readonly email: string | null };

/** What the phone desk sees of a ticket's requester on an alert (null once erased). */
export interface AlertContact {
  readonly requester: { readonly name: string | null; readonly email: string | null; readonly phone: string | null };
  readonly message: string | null;
}

/** Every personal field of a contact, as erasure leaves it. */
const ERASED = `email = NULL, name = NULL, phone = NULL, message = NULL`;

/**
 * The requester's contact per ticket: written from the submitted ticket, read to reach the
 * requester (the acknowledgement, then every reply) and to show the phone desk whom to call. Kept
 * while the ticket is unresolved and REOPEN_WINDOW_DAYS after its resolution (a follow-up may
 * reopen it until then), erased with the requester's data subject.
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

  /** The contacts of these tickets that are still known (erased and unknown ones are left out). */
  async forAlerts(ticketIds: readonly string[]): Promise<Map<string, AlertContact>> {
    if (ticketIds.length === 0) return new Map();
    const rows = await this.dataSource.query<
      { ticket_id: string; email: string | null; name: string | null; phone: string | null; message: string | null }[]
    >(
      `SELECT ticket_id, email, name, phone, message FROM notification.contacts
        WHERE ticket_id = ANY($1::text[]) AND erased_at IS NULL`,
      [ticketIds],
    );
    return new Map(
      rows.map((row) => [
        row.ticket_id,
        { requester: { name: row.name, email: row.email, phone: row.phone }, message: row.message },
      ]),
    );
  }

  /**
   * Erasure of these tickets' requester: their contact is forgotten, with the text of the replies
   * still waiting to be sent, and a ticket not seen yet is recorded as erased, so that its
   * submitted event, arriving later, never stores the contact.
   */
  async eraseTickets(ticketIds: readonly string[], now: Date): Promise<number> {
    if (ticketIds.length === 0) return 0;
    const rows = await this.dataSource.query<{ count: number }[]>(
      `WITH erased AS (
         INSERT INTO notification.contacts (ticket_id, email, locale, recorded_at, erased_at)
         SELECT ticket_id, NULL, 'en', $2::timestamptz, $2::timestamptz FROM unnest($1::text[]) AS t(ticket_id)
         ON CONFLICT (ticket_id) DO UPDATE SET ${ERASED}, erased_at = COALESCE(notification.contacts.erased_at, EXCLUDED.erased_at)
         RETURNING 1
       ), replies AS (
         UPDATE notification.deliveries SET body = '', updated_at = $2
          WHERE ticket_id = ANY($1::text[]) AND kind = 'ticket.reply' AND body <> ''
       )
       SELECT count(*)::int AS count FROM erased`,
      [ticketIds, now],
    );
    return rows[0]?.count ?? 0;
  }

  /** Erases the contacts of tickets resolved before `cutoff` (their reopen window is over). */
  async eraseResolvedBefore(cutoff: Date, now: Date): Promise<number> {
    const rows = await updateReturning<{ ticket_id: string }>(
      this.dataSource,
      `UPDATE notification.contacts c SET ${ERASED}, erased_at = $2
         FROM notification.tickets t
        WHERE t.ticket_id = c.ticket_id AND c.erased_at IS NULL AND t.resolved_at < $1
       RETURNING c.ticket_id`,
      [cutoff, now],
    );
    return rows.length;
  }

  /**
   * The request's text is kept for the phone desk only: once a day has passed it is forgotten
   * unless the ticket has an alert still open.
   */
  async forgetMessagesBefore(cutoff: Date): Promise<number> {
    const rows = await updateReturning<{ ticket_id: string }>(
      this.dataSource,
      `UPDATE notification.contacts c SET message = NULL
        WHERE c.message IS NOT NULL AND c.recorded_at < $1
          AND NOT EXISTS (SELECT 1 FROM notification.alerts a WHERE a.ticket_id = c.ticket_id AND a.status <> 'acknowledged')
       RETURNING c.ticket_id`,
      [cutoff],
    );
    return rows.length;
  }
}
