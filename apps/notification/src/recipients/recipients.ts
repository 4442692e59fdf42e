import { isEmail } from 'class-validator';
import type { Channel } from '#contracts';

export const CHANNEL_NAMES = ['log', 'webhook', 'email'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

export interface LogTarget {
  readonly channel: 'log';
}

export interface WebhookTarget {
  readonly channel: 'webhook';
  readonly url: string;
}

export interface EmailTarget {
  readonly channel: 'email';
  readonly to: string;
}

/** Where a staff audience (PSMs, support, phone desk, on-call) is told. */
export type StaffTarget = LogTarget | WebhookTarget | EmailTarget;

/** Where the replies to chat requesters go: the chat backend's webhook (or the log in development). */
export type ChatTarget = LogTarget | WebhookTarget;

/**
 * The requester's own address comes from their ticket, never from configuration. `chat`, when
 * given, is where chat tickets' requesters are reached (the chat backend), whatever the others use.
 */
export type RequesterTarget = (LogTarget | WebhookTarget | { readonly channel: 'email' }) & {
  readonly chat?: ChatTarget;
};

export interface RecipientDirectory {
  readonly requester: RequesterTarget;
  /** byId is a Map: PSM ids come from the CRM topic, and `__proto__` must be an id like any other. */
  readonly psm: { readonly default: StaffTarget; readonly byId: ReadonlyMap<string, StaffTarget> };
  readonly support: StaffTarget;
  readonly 'phone-desk': StaffTarget;
  readonly 'on-call': StaffTarget;
}

const LOG: LogTarget = { channel: 'log' };

/** Development default: every audience on the log channel, so the service runs with no settings. */
export const LOG_EVERYWHERE: RecipientDirectory = {
  requester: LOG,
  psm: { default: LOG, byId: new Map() },
  support: LOG,
  'phone-desk': LOG,
  'on-call': LOG,
};

const AUDIENCE_KEYS = ['requester', 'psm', 'support', 'phone-desk', 'on-call'] as const;

export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: string[] };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(value: Json, allowed: readonly string[], path: string, problems: string[]): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) problems.push(`${path}.${key}: unknown setting`);
}

function parseWebhookUrl(value: unknown, path: string, problems: string[]): string | undefined {
  if (typeof value !== 'string') {
    problems.push(`${path}.url: required for the webhook channel`);
    return undefined;
  }
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  } catch {
    // Reported below with every other malformed URL.
  }
  problems.push(`${path}.url: must be an absolute http(s) URL`);
  return undefined;
}

function parseTarget(value: unknown, path: string, problems: string[], requester: false): StaffTarget | undefined;
function parseTarget(value: unknown, path: string, problems: string[], requester: true): RequesterTarget | undefined;
function parseTarget(
  value: unknown,
  path: string,
  problems: string[],
  requester: boolean,
): StaffTarget | RequesterTarget | undefined {
  if (!isObject(value)) {
    problems.push(`${path}: must be an object such as {"channel":"webhook","url":"https://..."}`);
    return undefined;
  }
  switch (value.channel) {
    case 'log':
      unknownKeys(value, requester ? ['channel', 'chat'] : ['channel'], path, problems);
      return requester ? withChatTarget(LOG, value.chat, path, problems) : LOG;
    case 'webhook': {
      unknownKeys(value, requester ? ['channel', 'url', 'chat'] : ['channel', 'url'], path, problems);
      const url = parseWebhookUrl(value.url, path, problems);
      if (url === undefined) return undefined;
      return requester
        ? withChatTarget({ channel: 'webhook', url }, value.chat, path, problems)
        : { channel: 'webhook', url };
    }
    case 'email': {
      if (requester) {
        unknownKeys(value, ['channel', 'chat'], path, problems);
        return withChatTarget({ channel: 'email' }, value.chat, path, problems);
      }
      unknownKeys(value, ['channel', 'to'], path, problems);
      if (typeof value.to !== 'string' || !isEmail(value.to)) {
        problems.push(`${path}.to: must be an email address`);
        return undefined;
      }
      return { channel: 'email', to: value.to };
    }
    default:
      problems.push(`${path}.channel: must be one of ${CHANNEL_NAMES.join(', ')}`);
      return undefined;
  }
}

/** The requester's target with its optional chat-specific one (a webhook, or the log). */
function withChatTarget(
  target: LogTarget | WebhookTarget | { readonly channel: 'email' },
  chat: unknown,
  path: string,
  problems: string[],
): RequesterTarget | undefined {
  if (chat === undefined) return target;
  const parsed = parseTarget(chat, `${path}.chat`, problems, false);
  if (!parsed) return undefined;
  if (parsed.channel === 'email') {
    problems.push(
      `${path}.chat.channel: must be webhook or log (chat requesters are reached through the chat backend)`,
    );
    return undefined;
  }
  return { ...target, chat: parsed };
}

/** The target of a requester of a ticket on this channel: the chat-specific one for chat, when configured. */
export function requesterTargetFor(
  requester: RequesterTarget,
  ticketChannel: Channel | undefined,
): LogTarget | WebhookTarget | { readonly channel: 'email' } {
  if (ticketChannel === 'chat' && requester.chat) return requester.chat;
  switch (requester.channel) {
    case 'log':
      return LOG;
    case 'webhook':
      return { channel: 'webhook', url: requester.url };
    case 'email':
      return { channel: 'email' };
  }
}

function parsePsm(value: unknown, path: string, problems: string[]): RecipientDirectory['psm'] | undefined {
  // Shorthand: one target for every PSM.
  if (isObject(value) && 'channel' in value) {
    const target = parseTarget(value, path, problems, false);
    return target && { default: target, byId: new Map() };
  }
  if (!isObject(value)) {
    problems.push(`${path}: must be a target or {"default": <target>, "byId": {"<psmId>": <target>}}`);
    return undefined;
  }
  unknownKeys(value, ['default', 'byId'], path, problems);
  const fallback = value.default === undefined ? LOG : parseTarget(value.default, `${path}.default`, problems, false);
  const byId = new Map<string, StaffTarget>();
  if (value.byId !== undefined) {
    if (!isObject(value.byId)) problems.push(`${path}.byId: must be an object of PSM id -> target`);
    else {
      for (const [psmId, target] of Object.entries(value.byId)) {
        const parsed = parseTarget(target, `${path}.byId.${psmId}`, problems, false);
        if (parsed) byId.set(psmId, parsed);
      }
    }
  }
  return fallback && { default: fallback, byId };
}

/**
 * Reads NOTIFY_RECIPIENTS: one target per audience; audiences left out use the log channel.
 * Every problem is reported, each with its path, so one start-up attempt shows them all.
 */
export function parseRecipients(text: string, name = 'NOTIFY_RECIPIENTS'): ParseResult<RecipientDirectory> {
  if (text.trim() === '') return { ok: true, value: LOG_EVERYWHERE };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      problems: [`${name}: not valid JSON (${error instanceof Error ? error.message : 'parse error'})`],
    };
  }
  if (!isObject(raw))
    return { ok: false, problems: [`${name}: must be a JSON object keyed by audience (${AUDIENCE_KEYS.join(', ')})`] };
  const problems: string[] = [];
  unknownKeys(raw, AUDIENCE_KEYS, name, problems);
  const staff = (key: 'support' | 'phone-desk' | 'on-call'): StaffTarget | undefined =>
    raw[key] === undefined ? LOG : parseTarget(raw[key], `${name}.${key}`, problems, false);
  const requester = raw.requester === undefined ? LOG : parseTarget(raw.requester, `${name}.requester`, problems, true);
  const psm = raw.psm === undefined ? LOG_EVERYWHERE.psm : parsePsm(raw.psm, `${name}.psm`, problems);
  const support = staff('support');
  const phoneDesk = staff('phone-desk');
  const onCall = staff('on-call');
  if (problems.length > 0 || !requester || !psm || !support || !phoneDesk || !onCall) return { ok: false, problems };
  return { ok: true, value: { requester, psm, support, 'phone-desk': phoneDesk, 'on-call': onCall } };
}

/** Every configured target, to check that the channels they use are configured too. */
export function allTargets(directory: RecipientDirectory): (StaffTarget | RequesterTarget)[] {
  return [
    directory.requester,
    ...(directory.requester.chat ? [directory.requester.chat] : []),
    directory.psm.default,
    ...directory.psm.byId.values(),
    directory.support,
    directory['phone-desk'],
    directory['on-call'],
  ];
}
