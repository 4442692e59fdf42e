import {
  AUTHOR_KINDS,
  CHANNELS,
  MESSAGE_DIRECTIONS,
  MESSAGE_VISIBILITIES,
  PRIORITIES,
  QUEUES,
  TICKET_STATUSES,
} from '#contracts';
import type {
  AuthorKind,
  Channel,
  MessageDirection,
  MessageVisibility,
  Priority,
  Queue,
  TicketStatus,
} from '#contracts';

/** A row of `GET /v1/desk/queues/{queue}/tickets`: the fields the client uses. */
export interface DeskQueueRow {
  readonly ticketId: string;
  readonly reference: string;
  readonly queue: Queue;
  readonly status: TicketStatus;
  readonly priority: Priority;
  readonly assignee: string | null;
  readonly claimedBy: string | null;
  readonly slaDueAt: string | null;
  readonly nextResponseDueAt: string | null;
  readonly subject: string | null;
  readonly channel: Channel;
  readonly requestType: string | null;
}

export interface DeskRequester {
  readonly userId: string | null;
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly orgId: string | null;
}

export interface DeskConversationMessage {
  readonly direction: MessageDirection;
  readonly visibility: MessageVisibility;
  readonly authorKind: AuthorKind;
  readonly authorId: string | null;
  readonly channel: Channel;
  /** Null once the requester is erased. */
  readonly body: string | null;
  readonly sentAt: string;
}

/** `GET /v1/desk/tickets/{id}`: the ticket and its conversation (the request itself first). */
export interface DeskTicketDetail extends DeskQueueRow {
  readonly requester: DeskRequester;
  readonly allowWorkspaceTesting: boolean | null;
  readonly ruleId: string;
  readonly routingReason: string;
  readonly personalDataErased: boolean;
  readonly conversation: readonly DeskConversationMessage[];
}

/** What the client got from desk: the JSON body of a 2xx answer, or why there is none. */
export type DeskAnswer = { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly error: string };

export type DeskRead<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/**
 * Reads desk's answers field by field. Fields the client does not use are ignored, so that desk
 * can add some without breaking the client; every faulty field is reported.
 */
class FieldReader {
  constructor(
    private readonly errors: string[],
    private readonly path: string,
    private readonly value: Readonly<Record<string, unknown>>,
  ) {}

  static of(errors: string[], path: string, value: unknown): FieldReader | undefined {
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return new FieldReader(errors, path, value as Record<string, unknown>);
    errors.push(`${path || 'the answer'} is not an object`);
    return undefined;
  }

  text(name: string): string {
    const value = this.value[name];
    if (typeof value === 'string') return value;
    this.fault(name, 'a string');
    return '';
  }

  optionalText(name: string): string | null {
    const value = this.value[name];
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') return value;
    this.fault(name, 'a string or null');
    return null;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.value[name];
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.fault(name, `one of ${allowed.join(', ')}`);
    return allowed[0] as T;
  }

  optionalFlag(name: string): boolean | null {
    const value = this.value[name];
    if (value === null || value === undefined) return null;
    if (typeof value === 'boolean') return value;
    this.fault(name, 'a boolean or null');
    return null;
  }

  object(name: string): FieldReader | undefined {
    return FieldReader.of(this.errors, this.at(name), this.value[name]);
  }

  list(name: string): { readonly path: string; readonly value: unknown }[] {
    const value = this.value[name];
    if (Array.isArray(value))
      return value.map((item: unknown, index) => ({ path: `${this.at(name)}[${index}]`, value: item }));
    this.fault(name, 'an array');
    return [];
  }

  private at(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  private fault(name: string, expected: string): void {
    this.errors.push(`${this.at(name)} is not ${expected}`);
  }
}

function row(fields: FieldReader): DeskQueueRow {
  return {
    ticketId: fields.text('ticketId'),
    reference: fields.text('reference'),
    queue: fields.oneOf('queue', QUEUES),
    status: fields.oneOf('status', TICKET_STATUSES),
    priority: fields.oneOf('priority', PRIORITIES),
    assignee: fields.optionalText('assignee'),
    claimedBy: fields.optionalText('claimedBy'),
    slaDueAt: fields.optionalText('slaDueAt'),
    nextResponseDueAt: fields.optionalText('nextResponseDueAt'),
    subject: fields.optionalText('subject'),
    channel: fields.oneOf('channel', CHANNELS),
    requestType: fields.optionalText('requestType'),
  };
}

function message(fields: FieldReader): DeskConversationMessage {
  return {
    direction: fields.oneOf('direction', MESSAGE_DIRECTIONS),
    visibility: fields.oneOf('visibility', MESSAGE_VISIBILITIES),
    authorKind: fields.oneOf('authorKind', AUTHOR_KINDS),
    authorId: fields.optionalText('authorId'),
    channel: fields.oneOf('channel', CHANNELS),
    body: fields.optionalText('body'),
    sentAt: fields.text('sentAt'),
  };
}

function outcome<T>(errors: readonly string[], value: T): DeskRead<T> {
  return errors.length === 0 ? { ok: true, value } : { ok: false, error: errors.join('; ') };
}

/** The body of `GET /v1/desk/queues/{queue}/tickets`: `{items: [...]}`. */
export function readQueueList(body: unknown): DeskRead<DeskQueueRow[]> {
  const errors: string[] = [];
  const rows = (FieldReader.of(errors, '', body)?.list('items') ?? []).flatMap((item) => {
    const fields = FieldReader.of(errors, item.path, item.value);
    return fields ? [row(fields)] : [];
  });
  return outcome(errors, rows);
}

/** The body of `GET /v1/desk/tickets/{id}`. */
export function readDeskTicket(body: unknown): DeskRead<DeskTicketDetail> {
  const errors: string[] = [];
  const fields = FieldReader.of(errors, '', body);
  if (!fields) return { ok: false, error: errors.join('; ') };
  const requester = fields.object('requester');
  const detail: DeskTicketDetail = {
    ...row(fields),
    requester: {
      userId: requester?.optionalText('userId') ?? null,
      name: requester?.optionalText('name') ?? null,
      email: requester?.optionalText('email') ?? null,
      phone: requester?.optionalText('phone') ?? null,
      orgId: requester?.optionalText('orgId') ?? null,
    },
    allowWorkspaceTesting: fields.optionalFlag('allowWorkspaceTesting'),
    ruleId: fields.text('ruleId'),
    routingReason: fields.text('routingReason'),
    personalDataErased: fields.optionalFlag('personalDataErased') ?? false,
    conversation: fields.list('conversation').flatMap((item) => {
      const entry = FieldReader.of(errors, item.path, item.value);
      return entry ? [message(entry)] : [];
    }),
  };
  return outcome(errors, detail);
}
