import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadKeys } from './subject-keys.js';
import { SubjectVault } from './subject-vault.js';

/** What history holds of a subject, before it is erased. */
export interface ErasureScope {
  /** The references of the addresses the subject's account sent tickets under. */
  readonly aliasRefs: readonly string[];
  /** Those addresses in clear, while the account's key still opens them. */
  readonly aliases: readonly string[];
  readonly tickets: readonly {
    readonly ticketId: string;
    readonly reference: string | null;
    readonly orgId: string | null;
  }[];
  /** Whether history ever held personal data of the subject (a key, a ticket, an earlier erasure). */
  readonly known: boolean;
}

/** Reads what an erasure will cover; the erasure itself is an event, applied by the append path. */
@Injectable()
export class ErasureRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: SubjectVault,
  ) {}

  async scope(subjectRef: string): Promise<ErasureScope> {
    const aliasRows = await this.dataSource.query<{ alias_ref: string; key_id: string; alias_sealed: Buffer }[]>(
      `SELECT alias_ref, key_id, alias_sealed FROM history.subject_aliases WHERE subject_ref = $1 ORDER BY alias_ref`,
      [subjectRef],
    );
    const keys = await loadKeys(this.dataSource, this.vault, new Set(aliasRows.map((row) => row.key_id)));
    const aliases = aliasRows.flatMap((row) => {
      const key = keys.get(row.key_id);
      const address = key === undefined ? undefined : this.vault.decrypt(key, row.alias_sealed, row.alias_ref);
      return typeof address === 'string' ? [address] : [];
    });
    const refs = [subjectRef, ...aliasRows.map((row) => row.alias_ref)];
    const tickets = await this.dataSource.query<
      { ticket_id: string; reference: string | null; org_id: string | null }[]
    >(
      `SELECT ticket_id, reference, org_id FROM history.tickets WHERE subject_ref = ANY($1::text[]) ORDER BY received_at, ticket_id`,
      [refs],
    );
    const known = await this.dataSource.query<{ known: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM history.subject_keys WHERE subject_ref = ANY($1::text[]))
           OR EXISTS (SELECT 1 FROM history.erased_subjects WHERE subject_ref = ANY($1::text[])) AS known`,
      [refs],
    );
    return {
      aliasRefs: aliasRows.map((row) => row.alias_ref),
      aliases,
      tickets: tickets.map((row) => ({ ticketId: row.ticket_id, reference: row.reference, orgId: row.org_id })),
      known: known[0]?.known === true || tickets.length > 0,
    };
  }
}
