import { splitPersonalData } from '../privacy/personal-data.js';
import type { DataKey, SubjectVault } from '../privacy/subject-vault.js';
import { canonicalTail, chainHashOfTail } from './hash-chain.js';
import type { ChainEntry } from './hash-chain.js';

/** An event as consumed, before anything is taken out of it. */
export interface IncomingEvent {
  readonly ceId: string;
  readonly ticketId: string | null;
  readonly topic: string;
  readonly type: string;
  readonly source: string | null;
  readonly occurredAt: string;
  readonly partition: number;
  readonly offset: string;
  readonly payload: Record<string, unknown>;
}

/** Personal fields split off and the subject they belong to worked out; no key needed yet. */
export interface PreparedEvent {
  readonly event: IncomingEvent;
  readonly payload: Record<string, unknown>;
  readonly personal: Record<string, unknown> | null;
  /** Set when `personal` is: the subject whose key encrypts it. */
  readonly subjectRef: string | null;
  /** The requester's subject, for the ticket projection (null when the event does not name one). */
  readonly requesterRef: string | null;
}

/** An entry ready for the chain but for its sequence number, with its canonical form after it. */
export interface UnchainedEntry extends Omit<ChainEntry, 'seq'> {
  readonly canonicalTail: string;
}

export interface SealedEvent {
  readonly entry: UnchainedEntry;
  readonly seq: string;
  readonly prevHash: Buffer;
  readonly hash: Buffer;
}

/**
 * The subject of personal data that names nobody (a rejected record that is not JSON, or has no
 * requester): no erasure request can name it, so it is kept per day and its key destroyed once the
 * day is older than HISTORY_UNATTRIBUTED_RETENTION_DAYS (see UnattributedRetention).
 */
export function unattributedSubject(occurredAt: string | Date): string {
  return `unattributed:${new Date(occurredAt).toISOString().slice(0, 10)}`;
}

/**
 * Turns events into chain entries: personal fields encrypted under their subject's key, each
 * entry hashed over the previous hash and its own stored form.
 */
export class EventSealer {
  constructor(private readonly vault: SubjectVault) {}

  /**
   * `ticketSubject` gives the requester of a known ticket, so that a free-text note on a ticket is
   * erased with its requester; with none known, the ticket (or the event) is its own subject.
   */
  prepare(event: IncomingEvent, ticketSubject: (ticketId: string) => string | undefined): PreparedEvent {
    const split = splitPersonalData(event.topic, event.payload);
    const requesterRef = split.subjectId === null ? null : this.vault.subjectRef(split.subjectId);
    let subjectRef: string | null = null;
    if (split.personal !== null) {
      subjectRef =
        requesterRef ??
        (event.ticketId !== null
          ? (ticketSubject(event.ticketId) ?? this.vault.subjectRef(`ticket:${event.ticketId}`))
          : this.vault.subjectRef(unattributedSubject(event.occurredAt)));
    }
    return { event, payload: split.payload, personal: split.personal, subjectRef, requesterRef };
  }

  /** The event as stored for an erased subject: without its personal fields, which are never written. */
  withoutPersonalData(prepared: PreparedEvent): PreparedEvent {
    return { ...prepared, personal: null, subjectRef: null };
  }

  /** Everything but the chain position: personal data encrypted, payload serialised (no lock needed). */
  encrypt(prepared: PreparedEvent, key: DataKey | undefined, recordedAt: string): UnchainedEntry {
    const { event } = prepared;
    if (prepared.personal !== null && key === undefined)
      throw new Error(`no key for the personal data of event ${event.ceId}`);
    const personalData =
      prepared.personal !== null && key !== undefined ? this.vault.encrypt(key, prepared.personal, event.ceId) : null;
    const entry: Omit<ChainEntry, 'seq'> = {
      ceId: event.ceId,
      ticketId: event.ticketId,
      topic: event.topic,
      type: event.type,
      source: event.source,
      occurredAt: new Date(event.occurredAt).toISOString(),
      recordedAt,
      partition: event.partition,
      offset: event.offset,
      payloadJson: JSON.stringify(prepared.payload),
      subjectRef: personalData ? prepared.subjectRef : null,
      keyId: personalData && key ? key.keyId : null,
      personalData,
    };
    return { ...entry, canonicalTail: canonicalTail(entry) };
  }

  /** Gives the entry its place: the caller holds the chain lock. */
  chain(entry: UnchainedEntry, seq: bigint, previous: Buffer): SealedEvent {
    const seqText = seq.toString();
    return { entry, seq: seqText, prevHash: previous, hash: chainHashOfTail(previous, seqText, entry.canonicalTail) };
  }

  seal(
    prepared: PreparedEvent,
    seq: bigint,
    previous: Buffer,
    recordedAt: string,
    key: DataKey | undefined,
  ): SealedEvent {
    return this.chain(this.encrypt(prepared, key, recordedAt), seq, previous);
  }
}
