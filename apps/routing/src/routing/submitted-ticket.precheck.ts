import { CHANNELS, LOCALES, MESSAGE_MAX_LENGTH, REQUEST_TYPES, SUBJECT_MAX_LENGTH, URGENCIES } from '#contracts';
import type { TicketSubmittedPayload } from '#contracts';

/**
 * A fast, conservative pre-check of `TicketSubmittedPayload`: it accepts only values that the
 * contract's `validatePayload` accepts too, and leaves everything else, with the field-level
 * reasons, to `validatePayload`. A property test fuzzing every field holds it to that, and fails
 * when the contract's rules change under it. Why: class-transformer and class-validator cost more
 * than the rest of a routing decision, and nearly every ticket intake publishes is well-formed.
 */
export function isPlainlyValidTicket(value: unknown): value is TicketSubmittedPayload {
  if (!isPlainObject(value) || !hasOnlyKeys(value, TICKET_KEYS)) return false;
  return (
    isNonEmptyString(value.ticketId) &&
    isNonEmptyString(value.reference) &&
    isNonEmptyString(value.requestId) &&
    isOneOf(value.channel, CHANNELS) &&
    (value.requestType === undefined || value.requestType === null || isOneOf(value.requestType, REQUEST_TYPES)) &&
    (value.subject === undefined || value.subject === null || (isText(value.subject) && value.subject.length <= SUBJECT_MAX_LENGTH)) &&
    isText(value.message) &&
    value.message.length <= MESSAGE_MAX_LENGTH &&
    // At least one character that counts as one on its own (no lone variation selector or surrogate).
    COUNTED_CHARACTER.test(value.message) &&
    isOneOf(value.urgency, URGENCIES) &&
    isOneOf(value.locale, LOCALES) &&
    (value.workspaceTesting === undefined || value.workspaceTesting === null || isConsent(value.workspaceTesting)) &&
    isRequester(value.requester) &&
    isIsoInstant(value.receivedAt)
  );
}

const TICKET_KEYS = new Set([
  'ticketId',
  'reference',
  'requestId',
  'channel',
  'requestType',
  'subject',
  'message',
  'urgency',
  'locale',
  'workspaceTesting',
  'requester',
  'receivedAt',
]);
const CONSENT_KEYS = new Set(['granted', 'grantedBy', 'recordedAt']);
const REQUESTER_KEYS = new Set(['userId', 'orgId', 'email', 'name']);
const COUNTED_CHARACTER = /[^\uD800-\uDFFF\uFE0E\uFE0F]/;
/** A strict subset of what validator.js's isISO8601 accepts: `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`. */
const ISO_INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

function hasOnlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!Object.prototype.hasOwnProperty.call(value, key) || !allowed.has(key)) return false;
  return true;
}

/** A string without lone UTF-16 surrogates (the contract validation refuses those anywhere). */
function isText(value: unknown): value is string {
  return typeof value === 'string' && value.isWellFormed();
}

function isNonEmptyString(value: unknown): value is string {
  return isText(value) && value.length > 0;
}

function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

function isIsoInstant(value: unknown): boolean {
  return typeof value === 'string' && ISO_INSTANT.test(value);
}

function isConsent(value: unknown): boolean {
  return (
    isPlainObject(value) && hasOnlyKeys(value, CONSENT_KEYS) && typeof value.granted === 'boolean' && isText(value.grantedBy) && isIsoInstant(value.recordedAt)
  );
}

function isRequester(value: unknown): boolean {
  if (!isPlainObject(value) || !hasOnlyKeys(value, REQUESTER_KEYS)) return false;
  for (const key of REQUESTER_KEYS) {
    const field = value[key];
    if (field !== undefined && field !== null && !isText(field)) return false;
  }
  return true;
}
