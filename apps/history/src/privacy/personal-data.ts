import { Topics } from '#contracts';

const TICKET_PERSONAL_FIELDS = [
  'subject',
  'message',
  'requester.userId',
  'requester.email',
  'requester.name',
  'workspaceTesting.grantedBy',
] as const;

/**
 * Personal fields of each recorded topic (dotted paths into the payload): every copy of a user id,
 * an address, a name or free text, wherever a payload carries one.
 */
export const PERSONAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  [Topics.ticketsSubmitted]: TICKET_PERSONAL_FIELDS,
  [Topics.queuePsm]: TICKET_PERSONAL_FIELDS.map((path) => `ticket.${path}`),
  [Topics.queueSupport]: TICKET_PERSONAL_FIELDS.map((path) => `ticket.${path}`),
  // Field names in the errors come from the rejected record itself.
  [Topics.requestsRejected]: ['rawValue', 'errors'],
  [Topics.ticketsLifecycle]: ['note'],
  // A receiver's error text may quote the address it refused.
  [Topics.notifications]: ['error'],
  // The conversation's text, and the requester's user id when they wrote it (an agent's id goes too: one rule).
  [Topics.ticketsMessages]: ['body', 'author.id'],
};

/** Where each topic names its requester: the data subject is their userId, else their email. */
const REQUESTER_PATH: Readonly<Record<string, string>> = {
  [Topics.ticketsSubmitted]: 'requester',
  [Topics.queuePsm]: 'ticket.requester',
  [Topics.queueSupport]: 'ticket.requester',
};

export interface PersonalDataSplit {
  /** The payload with its personal fields taken out. */
  readonly payload: Record<string, unknown>;
  /** The personal fields by path, or null when the event carries none. */
  readonly personal: Record<string, unknown> | null;
  /** The requester the personal data is about, when the event names one. */
  readonly subjectId: string | null;
}

function read(record: Record<string, unknown>, path: string): unknown {
  let current: unknown = record;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Copies along the path so that the caller's payload is never changed. */
function without(record: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined || !(head in record)) return record;
  if (rest.length === 0) {
    const { [head]: _removed, ...others } = record;
    return others;
  }
  const child = record[head];
  if (child === null || typeof child !== 'object' || Array.isArray(child)) return record;
  return { ...record, [head]: without(child as Record<string, unknown>, rest) };
}

function withValue(record: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return record;
  if (rest.length === 0) return { ...record, [head]: value };
  const child = record[head];
  const base =
    child !== null && typeof child === 'object' && !Array.isArray(child) ? (child as Record<string, unknown>) : {};
  return { ...record, [head]: withValue(base, rest, value) };
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** The requester of a raw upstream request, if the rejected value is JSON that names one. */
function rejectedRequester(payload: Record<string, unknown>): string | null {
  const raw = payload.rawValue;
  if (typeof raw !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed === null || typeof parsed !== 'object') return null;
    const requester = (parsed as Record<string, unknown>).requester;
    if (requester === null || typeof requester !== 'object') return null;
    const fields = requester as Record<string, unknown>;
    return nonEmptyString(fields.userId) ?? nonEmptyString(fields.email);
  } catch {
    return null;
  }
}

export function splitPersonalData(topic: string, payload: Record<string, unknown>): PersonalDataSplit {
  const fields = PERSONAL_FIELDS[topic] ?? [];
  const personal: Record<string, unknown> = {};
  let stripped = payload;
  for (const path of fields) {
    const value = read(payload, path);
    // null says nothing about anyone: it stays in the payload, and needs no key.
    if (value === undefined || value === null) continue;
    personal[path] = value;
    stripped = without(stripped, path.split('.'));
  }
  const requesterPath = REQUESTER_PATH[topic];
  const subjectId =
    requesterPath !== undefined
      ? (nonEmptyString(read(payload, `${requesterPath}.userId`)) ??
        nonEmptyString(read(payload, `${requesterPath}.email`)))
      : topic === Topics.requestsRejected
        ? rejectedRequester(payload)
        : null;
  return { payload: stripped, personal: Object.keys(personal).length > 0 ? personal : null, subjectId };
}

/** Puts decrypted personal fields back; with `null` (erased), each personal field reads as null. */
export function mergePersonalData(
  topic: string,
  payload: Record<string, unknown>,
  personal: Record<string, unknown> | null,
): Record<string, unknown> {
  let merged = payload;
  for (const path of PERSONAL_FIELDS[topic] ?? []) {
    const value = personal === null ? null : personal[path];
    if (value !== undefined) merged = withValue(merged, path.split('.'), value);
  }
  return merged;
}

/** The requester's user id and email, when the event names both: the address is an alias of the account. */
export function requesterIdentities(
  topic: string,
  payload: Record<string, unknown>,
): { readonly userId: string; readonly email: string } | null {
  const requesterPath = REQUESTER_PATH[topic];
  if (requesterPath === undefined) return null;
  const userId = nonEmptyString(read(payload, `${requesterPath}.userId`));
  const email = nonEmptyString(read(payload, `${requesterPath}.email`));
  return userId !== null && email !== null ? { userId, email } : null;
}

/** Events with personal data that do not name the requester: their subject is the ticket's requester. */
export function needsTicketSubject(topic: string, payload: Record<string, unknown>): boolean {
  return (
    REQUESTER_PATH[topic] === undefined &&
    topic !== Topics.requestsRejected &&
    (PERSONAL_FIELDS[topic] ?? []).some((path) => read(payload, path) != null)
  );
}
