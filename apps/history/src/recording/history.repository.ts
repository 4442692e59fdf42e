import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Topics } from '#contracts';
import type { SubjectErasedPayload } from '#contracts';
import { column, unnestRows } from '#platform';
import type { DueTime } from '#rules';
import { EVENT_IDENTITY_SQL, eventIdentity } from '../migrations/1766500000000-event-identity.js';
import { EventSealer } from '../audit/event-sealer.js';
import type { IncomingEvent, PreparedEvent, UnchainedEntry } from '../audit/event-sealer.js';
import { applyErasure } from '../privacy/erasure-ledger.js';
import type { AppliedErasure } from '../privacy/erasure-ledger.js';
import { needsTicketSubject, requesterIdentities } from '../privacy/personal-data.js';
import { ensureSubjectKeys, erasedAmong } from '../privacy/subject-keys.js';
import type { Queryable } from '../privacy/subject-keys.js';
import { SubjectVault } from '../privacy/subject-vault.js';
import { SERVICE_LEVELS } from '../service-levels.provider.js';
import { applyProjection, planProjection } from './ticket-projection.js';
import { historyEventsRecorded } from './history.metrics.js';

export interface ChainHead {
  readonly lastSeq: bigint;
  readonly lastHash: Buffer;
}

/** Locks the head of the chain until the transaction ends: appends are serialised, so the chain has no forks. */
export async function lockChainHead(db: Queryable): Promise<ChainHead> {
  const rows = await db.query<{ last_seq: string; last_hash: Buffer }[]>(
    `SELECT last_seq, last_hash FROM history.chain_head WHERE id = 1 FOR UPDATE`,
  );
  const row = rows[0];
  if (!row) throw new Error('history.chain_head has no row: migrations have not run');
  return { lastSeq: BigInt(row.last_seq), lastHash: row.last_hash };
}

/**
 * An erasure committed between the moment an append read its subjects' keys and the moment it took
 * the chain lock. The append is rolled back (its new keys with it) and done again, when the ledger
 * is visible to it. A serialization failure in all but name, hence its SQLSTATE: waited out, never
 * counted against the records.
 */
export class ErasureConflict extends Error {
  readonly code = '40001';

  constructor(refs: number) {
    super(`${refs} subject(s) of the batch were erased while it was prepared; it is prepared again`);
    this.name = 'ErasureConflict';
  }
}

/** What one append transaction did. */
interface AppendOutcome {
  /** ce_id of each event stored, with its place in the chain. */
  readonly stored: Map<string, string>;
  /** The erasures of the batch, by ce_id, as applied. */
  readonly erasures: Map<string, AppliedErasure>;
}

/** Batches of concurrent callers waiting to be appended together. */
interface PendingAppend {
  readonly events: readonly IncomingEvent[];
  readonly resolve: (stored: number) => void;
  readonly reject: (error: unknown) => void;
}

/** Appends that may be under way at once: one holding the chain lock, one preparing behind it. */
const APPENDS_IN_FLIGHT = 2;
/** Upper bound of the events one group commit takes. */
const MAX_GROUP_EVENTS = 5_000;

/**
 * Owns every write to the event store. Concurrent appends (one per consumed partition batch) are
 * committed together (group commit): under a steady trickle every partition brings a few events
 * at a time, and one transaction, one chain lock and one WAL flush for all of them instead of one
 * each is what keeps up.
 */
@Injectable()
export class HistoryRepository {
  private readonly sealer: EventSealer;
  private pending: PendingAppend[] = [];
  private inFlight = 0;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SubjectVault) private readonly vault: SubjectVault,
    @Inject(SERVICE_LEVELS) private readonly dueAt: DueTime,
  ) {
    this.sealer = new EventSealer(vault);
  }

  /**
   * Appends the events not seen before (by `ce_id`) to the chain and applies their projection, in
   * one transaction, possibly shared with other callers' batches: when this resolves the whole
   * batch is durable and offsets may be committed. Resolves to how many of them were new.
   */
  append(events: readonly IncomingEvent[]): Promise<number> {
    if (events.length === 0) return Promise.resolve(0);
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ events, resolve, reject });
      this.startGroups();
    });
  }

  private startGroups(): void {
    while (this.inFlight < APPENDS_IN_FLIGHT && this.pending.length > 0) {
      const group: PendingAppend[] = [];
      let size = 0;
      while (
        this.pending.length > 0 &&
        (group.length === 0 || size + (this.pending[0]?.events.length ?? 0) <= MAX_GROUP_EVENTS)
      ) {
        const next = this.pending.shift() as PendingAppend;
        group.push(next);
        size += next.events.length;
      }
      this.inFlight += 1;
      void this.commitGroup(group).finally(() => {
        this.inFlight -= 1;
        this.startGroups();
      });
    }
  }

  /**
   * One transaction for the whole group. If it fails, each batch is tried on its own, so that one
   * batch's failure (a poison record, a conflict) is reported to its caller only.
   */
  private async commitGroup(group: readonly PendingAppend[]): Promise<void> {
    if (group.length > 1) {
      try {
        const { stored } = await this.appendNow(group.flatMap((member) => member.events));
        for (const member of group) {
          let count = 0;
          for (const event of member.events) if (stored.delete(event.ceId)) count += 1;
          member.resolve(count);
        }
        return;
      } catch {
        // Isolated below.
      }
    }
    for (const member of group) {
      try {
        member.resolve((await this.appendNow(member.events)).stored.size);
      } catch (error) {
        member.reject(error);
      }
    }
  }

  /**
   * Records an erasure made through the API, in a transaction of its own, and applies it: what it
   * destroyed and its place in the chain. Its Kafka record, consumed later, is the same event (same
   * `ce_id` and source) and is not stored again.
   */
  async appendErasure(event: IncomingEvent): Promise<{ readonly keysDestroyed: number; readonly seq: string | null }> {
    const { stored, erasures } = await this.appendNow([event]);
    return { keysDestroyed: erasures.get(event.ceId)?.keysDestroyed ?? 0, seq: stored.get(event.ceId) ?? null };
  }

  /**
   * The transaction of one append. Dedup, keys and encryption are done before the chain lock is
   * taken, so that concurrent appends hold it only to project, hash, insert and commit.
   */
  private async appendNow(events: readonly IncomingEvent[]): Promise<AppendOutcome> {
    const outcome = await this.dataSource.transaction(
      async (manager): Promise<AppendOutcome & { entries: UnchainedEntry[] }> => {
        const fresh = await this.unseen(manager, events);
        if (fresh.length === 0) return { stored: new Map(), erasures: new Map(), entries: [] };
        const { prepared, entries, keyed, aliases } = await this.prepare(manager, fresh);
        const projection = planProjection(
          prepared.map((item) => ({
            topic: item.event.topic,
            payload: item.event.payload,
            requesterRef: item.requesterRef,
          })),
        );
        // Every write to the ticket rows happens under the chain lock, which every writer (appends,
        // erasures) takes first: a group mixing topics locks its tickets in an order of its own, and
        // two appends, or an append and an erasure, holding rows the other wants would deadlock.
        const head = await lockChainHead(manager);
        const erasedMeanwhile = await erasedAmong(manager, keyed);
        if (erasedMeanwhile.size > 0) throw new ErasureConflict(erasedMeanwhile.size);
        const erasures = new Map<string, AppliedErasure>();
        for (const event of fresh) {
          if (event.topic === Topics.subjectsErased)
            erasures.set(event.ceId, await applyErasure(manager, event.payload as unknown as SubjectErasedPayload));
        }
        await saveAliases(manager, aliases);
        await applyProjection(manager, projection, this.dueAt);
        const stored = await this.chain(manager, head, entries);
        return { stored, erasures, entries: entries.map(({ entry }) => entry) };
      },
    );
    for (const entry of outcome.entries) historyEventsRecorded.inc({ topic: entry.topic });
    return { stored: outcome.stored, erasures: outcome.erasures };
  }

  /** Appends events whose ids are known to be new; the caller holds the chain lock (`lockChainHead`). */
  async appendLocked(db: Queryable, head: ChainHead, events: readonly IncomingEvent[]): Promise<PreparedEvent[]> {
    const { prepared, entries } = await this.prepare(db, events);
    await this.chain(db, head, entries);
    return prepared;
  }

  /**
   * Everything an append can do before it takes the chain lock: personal data split off and
   * encrypted, the entry's canonical form and its row built but for the sequence number and hashes.
   * `recorded_at` is the time the batch was prepared, a few milliseconds before it is chained.
   */
  private async prepare(db: Queryable, events: readonly IncomingEvent[]): Promise<PreparedBatch> {
    const ticketSubjects = await this.ticketSubjects(db, events);
    const prepared = events.map((event) => {
      const item = this.sealer.prepare(event, (ticketId) => ticketSubjects.get(ticketId));
      if (item.requesterRef !== null && event.ticketId !== null) ticketSubjects.set(event.ticketId, item.requesterRef);
      return item;
    });
    const identities = prepared.flatMap((item) => {
      if (item.event.topic !== Topics.ticketsSubmitted) return [];
      const found = requesterIdentities(item.event.topic, item.event.payload);
      return found === null
        ? []
        : [
            {
              userRef: this.vault.subjectRef(found.userId),
              emailRef: this.vault.subjectRef(found.email),
              email: found.email,
            },
          ];
    });
    const refs = new Set([
      ...prepared.flatMap((item) => (item.subjectRef === null ? [] : [item.subjectRef])),
      ...identities.map((identity) => identity.userRef),
    ]);
    const { keys, erased } = await ensureSubjectKeys(db, this.vault, refs);
    const recordedAt = new Date().toISOString();
    const entries = prepared.map((item) => {
      // An erased subject's personal data is not stored at all: the event is kept without it.
      const kept =
        item.subjectRef !== null && erased.has(item.subjectRef) ? this.sealer.withoutPersonalData(item) : item;
      const entry = this.sealer.encrypt(
        kept,
        kept.subjectRef === null ? undefined : keys.get(kept.subjectRef),
        recordedAt,
      );
      return { entry, rowTail: rowTail(entry) };
    });
    const aliases = new Map<string, SubjectAlias>();
    for (const { userRef, emailRef, email } of identities) {
      const key = keys.get(userRef);
      if (key === undefined || userRef === emailRef) continue;
      aliases.set(`${userRef}|${emailRef}`, {
        subjectRef: userRef,
        aliasRef: emailRef,
        keyId: key.keyId,
        sealed: this.vault.encrypt(key, email, emailRef),
      });
    }
    return { prepared, entries, keyed: new Set(keys.keys()), aliases: [...aliases.values()] };
  }

  /** Under the chain lock: numbers and hashes the prepared entries, inserts them, moves the head; returns each ce_id's seq. */
  private async chain(db: Queryable, head: ChainHead, entries: readonly StagedEntry[]): Promise<Map<string, string>> {
    let previous = head.lastHash;
    let seq = head.lastSeq;
    const seqs = new Map<string, string>();
    const rows = entries.map(({ entry, rowTail }) => {
      seq += 1n;
      const sealed = this.sealer.chain(entry, seq, previous);
      previous = sealed.hash;
      seqs.set(entry.ceId, sealed.seq);
      return `{"seq":"${sealed.seq}","prev_hash":"${sealed.prevHash.toString('base64')}","hash":"${sealed.hash.toString('base64')}",${rowTail}`;
    });
    await insertRows(db, rows);
    await db.query(`UPDATE history.chain_head SET last_seq = $1, last_hash = $2, updated_at = now() WHERE id = 1`, [
      seq.toString(),
      previous,
    ]);
    return seqs;
  }

  /** Events not stored before: an event is its `ce_id` within its `ce_source`, as CloudEvents defines. */
  private async unseen(db: Queryable, events: readonly IncomingEvent[]): Promise<IncomingEvent[]> {
    const rows = await db.query<{ ce_id: string; source: string | null }[]>(
      `SELECT ce_id, source FROM history.events WHERE (${EVENT_IDENTITY_SQL}) = ANY($1::text[])`,
      [events.map((event) => eventIdentity(event.ceId, event.source))],
    );
    const seen = new Set(rows.map((row) => eventIdentity(row.ce_id, row.source)));
    return events.filter((event) => {
      const identity = eventIdentity(event.ceId, event.source);
      if (seen.has(identity)) return false;
      seen.add(identity);
      return true;
    });
  }

  /** Requesters of the tickets whose events carry personal data but do not name one. */
  private async ticketSubjects(db: Queryable, events: readonly IncomingEvent[]): Promise<Map<string, string>> {
    const ticketIds = new Set(
      events
        .filter((event) => event.ticketId !== null && needsTicketSubject(event.topic, event.payload))
        .map((event) => event.ticketId as string),
    );
    if (ticketIds.size === 0) return new Map();
    const rows = await db.query<{ ticket_id: string; subject_ref: string }[]>(
      `SELECT ticket_id, subject_ref FROM history.tickets WHERE ticket_id = ANY($1::text[]) AND subject_ref IS NOT NULL`,
      [[...ticketIds]],
    );
    return new Map(rows.map((row) => [row.ticket_id, row.subject_ref]));
  }
}

/** An address an account's tickets were sent under, sealed under the account's key. */
interface SubjectAlias {
  readonly subjectRef: string;
  readonly aliasRef: string;
  readonly keyId: string;
  readonly sealed: Buffer;
}

const ALIAS_COLUMNS = [
  column<SubjectAlias>('subject_ref', 'text', (alias) => alias.subjectRef),
  column<SubjectAlias>('alias_ref', 'text', (alias) => alias.aliasRef),
  column<SubjectAlias>('key_id', 'uuid', (alias) => alias.keyId),
  column<SubjectAlias>('alias_sealed', 'bytea', (alias) => alias.sealed),
];

interface PreparedBatch {
  readonly prepared: PreparedEvent[];
  readonly entries: StagedEntry[];
  /** The subjects whose keys this batch encrypts with (or made). */
  readonly keyed: Set<string>;
  readonly aliases: SubjectAlias[];
}

async function saveAliases(db: Queryable, aliases: readonly SubjectAlias[]): Promise<void> {
  if (aliases.length === 0) return;
  const rows = unnestRows('a', ALIAS_COLUMNS, aliases);
  await db.query(
    `INSERT INTO history.subject_aliases (${rows.names})
     SELECT ${rows.names} FROM ${rows.source} ON CONFLICT (subject_ref, alias_ref) DO NOTHING`,
    rows.parameters,
  );
}

interface StagedEntry {
  readonly entry: UnchainedEntry;
  /** The entry's row in JSON, but for its first fields (sequence number and hashes) and the opening brace. */
  readonly rowTail: string;
}

/**
 * One JSON document for the whole batch: serialising it is native work, where sixteen parameter
 * arrays would be escaped element by element. Each payload is spliced in as its exact text, and
 * json_to_recordset hands that text on unchanged to the json column: what is hashed is what is stored.
 */
function rowTail(entry: UnchainedEntry): string {
  const fields = {
    ce_id: entry.ceId,
    ticket_id: entry.ticketId,
    topic: entry.topic,
    type: entry.type,
    source: entry.source,
    occurred_at: entry.occurredAt,
    recorded_at: entry.recordedAt,
    kafka_partition: entry.partition,
    kafka_offset: entry.offset,
    subject_ref: entry.subjectRef,
    key_id: entry.keyId,
    personal_data: entry.personalData ? entry.personalData.toString('base64') : null,
  };
  return `${JSON.stringify(fields).slice(1, -1)},"payload":${entry.payloadJson}}`;
}

async function insertRows(db: Queryable, rows: readonly string[]): Promise<void> {
  await db.query(
    `INSERT INTO history.events (seq, ce_id, ticket_id, topic, type, source, occurred_at, recorded_at, kafka_partition, kafka_offset,
                                 payload, subject_ref, key_id, personal_data, prev_hash, hash)
     SELECT r.seq, r.ce_id, r.ticket_id, r.topic, r.type, r.source, r.occurred_at, r.recorded_at, r.kafka_partition, r.kafka_offset,
            r.payload, r.subject_ref, r.key_id, decode(r.personal_data, 'base64'), decode(r.prev_hash, 'base64'), decode(r.hash, 'base64')
     FROM json_to_recordset($1::json) AS r(seq bigint, ce_id text, ticket_id text, topic text, type text, source text, occurred_at timestamptz,
          recorded_at timestamptz, kafka_partition int, kafka_offset bigint, payload json, subject_ref text, key_id uuid, personal_data text,
          prev_hash text, hash text)`,
    [`[${rows.join(',')}]`],
  );
}
