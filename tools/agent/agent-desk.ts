import { randomUUID } from 'node:crypto';
import { QueuedTicketPayload, TicketLifecyclePayload, TicketMessagePayload, validatePayload } from '#contracts';
import type { Channel, FieldError, LifecycleEvent, MessageVisibility, Queue, TicketStatus } from '#contracts';
import { readDeskTicket, readQueueList } from './desk-answers.js';
import type {
  DeskAnswer,
  DeskConversationMessage,
  DeskQueueRow,
  DeskRequester,
  DeskTicketDetail,
} from './desk-answers.js';

export type DeskStatus = 'new' | 'claimed' | 'replied' | 'open' | 'resolved';

export interface DeskTicket {
  readonly ticketId: string;
  readonly reference: string;
  readonly priority: string;
  readonly slaDueAt: string | null;
  /** While the requester's follow-up waits: when the answer is due (rows listed by desk). */
  readonly nextResponseDueAt: string | null;
  readonly assignee: string | null;
  readonly channel: Channel;
  readonly requestType: string | null;
  readonly subject: string | null;
  /** Why routing put it here; a row listed by desk has it only once its queue record arrives. */
  reason: string | null;
  correlationId: string | null;
  status: DeskStatus;
  claimedBy: string | null;
  /** The queue record: the whole ticket. None for a row listed by desk until the record arrives. */
  queued: QueuedTicketPayload | null;
}

export interface DeskOptions {
  readonly queue: Queue;
  /** On the PSM queue: show this PSM's tickets and the pool's (no assignee), not other PSMs'. */
  readonly psmId?: string;
  readonly agentId: string;
  readonly now?: () => Date;
  /** Message ids. */
  readonly newId?: () => string;
}

export interface CommandOutcome {
  readonly output: string;
  /** The message to publish (reply, note), already validated against the contract. */
  readonly message?: TicketMessagePayload;
  /** The lifecycle event to publish, already validated against the contract. */
  readonly lifecycle?: TicketLifecyclePayload;
  readonly correlationId?: string | null;
  /** `show`: the ticket to ask desk for; `show(lookup, answer)` then says it all, `output` is what the client knows alone. */
  readonly lookup?: string;
  /** The ticket's state before the command, which `undo` restores when its events could not be published. */
  readonly before?: { readonly ticketId: string; readonly status: DeskStatus; readonly claimedBy: string | null };
  readonly quit?: boolean;
}

const HELP = [
  'list                      tickets of this session, in the order they came (those waiting in desk first)',
  'show <ref|#n>             the ticket: requester, consent, routing, and its conversation when desk answers',
  "claim <ref|#n>            take the ticket (stops a phone-desk alert's escalation; a claim is not a response)",
  'reply <ref|#n> <text>     answer the requester, on their channel (the text is kept, encrypted, in history)',
  'note <ref|#n> <text>      an internal note for staff, never sent to the requester',
  'resolve <ref|#n> [text]   close it',
  'reopen <ref|#n> [text]    open it again',
  'quit',
].join('\n');

type Action = 'claim' | 'reply' | 'resolve' | 'reopen';

const TRANSITIONS: Readonly<
  Record<Action, { readonly from: readonly DeskStatus[]; readonly to: DeskStatus; readonly event: LifecycleEvent }>
> = {
  claim: { from: ['new', 'open'], to: 'claimed', event: 'claimed' },
  reply: { from: ['new', 'claimed', 'replied', 'open'], to: 'replied', event: 'replied' },
  resolve: { from: ['new', 'claimed', 'replied', 'open'], to: 'resolved', event: 'resolved' },
  reopen: { from: ['resolved'], to: 'claimed', event: 'reopened' },
};

/** A ticket claimed by someone else is theirs to claim, answer and resolve (as desk answers 409). */
const OWNER_ONLY: ReadonlySet<Action> = new Set(['claim', 'reply', 'resolve']);

/** Desk's ticket statuses in the client's words. */
const FROM_DESK: Readonly<Record<TicketStatus, DeskStatus>> = {
  received: 'new',
  routed: 'new',
  assigned: 'new',
  claimed: 'claimed',
  pending: 'replied',
  open: 'open',
  resolved: 'resolved',
};

/** Statuses in which the requester waits for an answer, so that the SLA matters. */
const AWAITING_ANSWER: ReadonlySet<DeskStatus> = new Set(['new', 'claimed', 'open']);

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * What an agent sees and does: tickets waiting in desk and arriving on a queue topic, and commands
 * that become lifecycle events and messages. No I/O: the command-line client feeds it records and
 * desk's answers, and publishes what it returns.
 */
export class AgentDesk {
  private readonly tickets: DeskTicket[] = [];
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly options: DeskOptions) {
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
  }

  /**
   * A queue record: the ticket to show, or undefined (invalid, another PSM's, or already shown;
   * a row desk listed gets the whole ticket from it).
   */
  accept(value: unknown, correlationId: string | null = null): DeskTicket | undefined {
    const result = validatePayload(QueuedTicketPayload, value);
    if (!result.ok) return undefined;
    const queued = result.value;
    if (!this.isMine(queued.queue, queued.assignee ?? null)) return undefined;
    const known = this.byId(queued.ticketId);
    if (known) {
      if (known.queued === null) {
        known.queued = queued;
        known.reason = queued.reason;
        known.correlationId = correlationId;
      }
      return undefined;
    }
    const ticket: DeskTicket = {
      ticketId: queued.ticketId,
      reference: queued.reference,
      priority: queued.priority,
      slaDueAt: queued.slaDueAt,
      nextResponseDueAt: null,
      assignee: queued.assignee ?? null,
      channel: queued.ticket.channel,
      requestType: queued.ticket.requestType ?? null,
      subject: queued.ticket.subject ?? null,
      reason: queued.reason,
      correlationId,
      status: 'new',
      claimedBy: null,
      queued,
    };
    this.tickets.push(ticket);
    return ticket;
  }

  /** Desk's answer to `GET /v1/desk/queues/{queue}/tickets` at start: what already waits, remembered like arrivals. */
  listed(answer: DeskAnswer): string {
    if (!answer.ok) return `desk did not answer (${oneLine(answer.error)}): following Kafka only`;
    const read = readQueueList(answer.body);
    if (!read.ok) return `desk answered something unexpected (${oneLine(read.error)}): following Kafka only`;
    const waiting = read.value.flatMap((row) => {
      const ticket = this.acceptRow(row);
      return ticket ? [ticket] : [];
    });
    if (waiting.length === 0) return `desk: nothing waiting in the ${this.options.queue} queue`;
    return [
      `desk: ${waiting.length} waiting in the ${this.options.queue} queue, most urgent first`,
      ...waiting.map((ticket) => `     ${this.describe(ticket)}`),
    ].join('\n');
  }

  describe(ticket: DeskTicket): string {
    const claimer =
      ticket.claimedBy !== null && ticket.claimedBy !== this.options.agentId ? ` by ${ticket.claimedBy}` : '';
    const kind = `${ticket.channel}${ticket.requestType ? `/${ticket.requestType}` : ''}`;
    const who = ticket.assignee ? `for ${ticket.assignee}` : this.options.queue === 'psm' ? 'for the PSM pool' : '';
    const due = this.dueAt(ticket);
    return [
      `#${this.tickets.indexOf(ticket) + 1}`,
      ticket.reference,
      ticket.priority,
      `${ticket.status}${claimer}`,
      kind,
      who,
      due === null ? '' : `(${this.timeLeft(due)})`,
      ticket.subject ?? '',
      ticket.reason === null ? '' : `[${ticket.reason}]`,
    ]
      .filter((part) => part !== '')
      .join(' ');
  }

  command(line: string): CommandOutcome {
    const [, verb = '', target = '', text = ''] = /^(\S*)\s*(\S*)\s*(.*)$/s.exec(line.trim()) ?? [];
    switch (verb.toLowerCase()) {
      case '':
        return { output: '' };
      case 'help':
        return { output: HELP };
      case 'quit':
      case 'exit':
        return { output: 'bye', quit: true };
      case 'list':
        return {
          output:
            this.tickets.length === 0
              ? 'no tickets yet'
              : this.tickets.map((ticket) => this.describe(ticket)).join('\n'),
        };
      case 'show':
        return this.lookup(target);
      case 'note':
        return this.note(target, text.trim());
      case 'claim':
      case 'reply':
      case 'resolve':
      case 'reopen':
        return this.transition(verb.toLowerCase() as Action, target, text.trim());
      default:
        return { output: `unknown command "${verb}"; try help` };
    }
  }

  /** Puts a ticket back as it was before a command whose events could not be published. */
  undo(outcome: CommandOutcome): void {
    const before = outcome.before;
    const ticket = before && this.byId(before.ticketId);
    if (!before || !ticket) return;
    ticket.status = before.status;
    ticket.claimedBy = before.claimedBy;
  }

  /**
   * The ticket in full: the request from its queue record (or from desk for a row desk listed),
   * and, when desk answered `GET /v1/desk/tickets/{id}`, the whole conversation.
   */
  show(ticketId: string, answer?: DeskAnswer): string {
    const ticket = this.byId(ticketId);
    if (!ticket) return `no ticket ${ticketId} in this session; try list`;
    let detail: DeskTicketDetail | undefined;
    let deskProblem: string | undefined;
    if (answer && !answer.ok) deskProblem = `desk did not answer (${oneLine(answer.error)}): no conversation`;
    if (answer?.ok) {
      const read = readDeskTicket(answer.body);
      if (read.ok) detail = read.value;
      else deskProblem = `desk answered something unexpected (${oneLine(read.error)}): no conversation`;
    }
    const lines = [this.describe(ticket)];
    if (ticket.queued) lines.push(...this.fromQueueRecord(ticket, ticket.queued));
    else if (detail) lines.push(...this.fromDesk(ticket, detail));
    else lines.push('  the request and the requester come from desk: ask again with desk running');
    if (detail) lines.push(...conversation(detail.conversation));
    else if (ticket.queued) lines.push('  message:', ...indent(ticket.queued.ticket.message, '    '));
    if (deskProblem) lines.push(deskProblem);
    return lines.join('\n');
  }

  private lookup(target: string): CommandOutcome {
    if (!target) return { output: 'usage: show <ref|#n>' };
    const ticket = this.find(target);
    if (!ticket) return unknownTicket(target);
    return { output: this.show(ticket.ticketId), lookup: ticket.ticketId };
  }

  private fromQueueRecord(ticket: DeskTicket, queued: QueuedTicketPayload): string[] {
    const request = queued.ticket;
    const consent = request.workspaceTesting;
    return [
      `  subject:   ${request.subject ?? '(none)'}`,
      `  requester: ${requester({ ...request.requester, phone: request.requester.phone ?? null })}`,
      `  workspace testing: ${
        consent === null || consent === undefined
          ? 'no consent recorded'
          : `${consent.granted ? 'granted' : 'refused'} by ${consent.grantedBy} (${consent.recordedAt})`
      }`,
      `  channel:   ${request.channel}${request.requestType ? `/${request.requestType}` : ''}, urgency ${request.urgency}, locale ${request.locale}`,
      this.slaLine(ticket),
      `  routing:   ${queued.reason} (rule ${queued.ruleId})`,
    ];
  }

  private fromDesk(ticket: DeskTicket, detail: DeskTicketDetail): string[] {
    return [
      `  subject:   ${detail.subject ?? '(none)'}`,
      `  requester: ${detail.personalDataErased ? '(erased)' : requester(detail.requester)}`,
      `  workspace testing: ${
        detail.allowWorkspaceTesting === null
          ? 'no consent recorded'
          : detail.allowWorkspaceTesting
            ? 'granted'
            : 'refused'
      }`,
      `  channel:   ${detail.channel}${detail.requestType ? `/${detail.requestType}` : ''}`,
      this.slaLine(ticket),
      `  routing:   ${detail.routingReason} (rule ${detail.ruleId})`,
    ];
  }

  private slaLine(ticket: DeskTicket): string {
    const what = ticket.nextResponseDueAt === null ? 'first response' : 'next response';
    const due = ticket.nextResponseDueAt ?? ticket.slaDueAt;
    const when =
      due === null ? 'no due time' : `due ${due}${this.dueAt(ticket) === null ? '' : ` (${this.timeLeft(due)})`}`;
    return `  priority:  ${ticket.priority}, ${what} ${when}`;
  }

  /** When the requester's answer is due, while they wait for one. */
  private dueAt(ticket: DeskTicket): string | null {
    if (!AWAITING_ANSWER.has(ticket.status)) return null;
    return ticket.nextResponseDueAt ?? ticket.slaDueAt;
  }

  private timeLeft(due: string): string {
    const minutes = Math.round((new Date(due).getTime() - this.now().getTime()) / 60_000);
    return minutes >= 0 ? `due in ${minutes} min` : `OVERDUE by ${-minutes} min`;
  }

  private acceptRow(row: DeskQueueRow): DeskTicket | undefined {
    if (!this.isMine(row.queue, row.assignee) || this.byId(row.ticketId)) return undefined;
    const ticket: DeskTicket = {
      ticketId: row.ticketId,
      reference: row.reference,
      priority: row.priority,
      slaDueAt: row.slaDueAt,
      nextResponseDueAt: row.nextResponseDueAt,
      assignee: row.assignee,
      channel: row.channel,
      requestType: row.requestType,
      subject: row.subject,
      reason: null,
      correlationId: null,
      status: FROM_DESK[row.status],
      claimedBy: row.claimedBy,
      queued: null,
    };
    this.tickets.push(ticket);
    return ticket;
  }

  private isMine(queue: Queue, assignee: string | null): boolean {
    if (queue !== this.options.queue) return false;
    return this.options.psmId === undefined || assignee === null || assignee === this.options.psmId;
  }

  private byId(ticketId: string): DeskTicket | undefined {
    return this.tickets.find((ticket) => ticket.ticketId === ticketId);
  }

  private find(target: string): DeskTicket | undefined {
    if (/^#\d+$/.test(target)) return this.tickets[Number(target.slice(1)) - 1];
    const wanted = target.toUpperCase();
    return this.tickets.find(
      (ticket) => ticket.reference.toUpperCase() === wanted || ticket.ticketId.toUpperCase() === wanted,
    );
  }

  private message(ticket: DeskTicket, visibility: MessageVisibility, body: string, sentAt: string): unknown {
    return {
      ticketId: ticket.ticketId,
      messageId: this.newId(),
      direction: 'outbound',
      visibility,
      author: { kind: 'agent', id: this.options.agentId },
      channel: ticket.channel,
      body,
      sentAt,
    };
  }

  private note(target: string, text: string): CommandOutcome {
    if (!target) return { output: 'usage: note <ref|#n> <text>' };
    const ticket = this.find(target);
    if (!ticket) return unknownTicket(target);
    if (!text) return { output: 'a note needs its text: note <ref|#n> <text>' };
    const message = validatePayload(
      TicketMessagePayload,
      this.message(ticket, 'internal', text, this.now().toISOString()),
    );
    if (!message.ok) return refused(message.errors);
    return {
      output: `${ticket.reference} note added (internal, never sent)`,
      message: message.value,
      correlationId: ticket.correlationId,
    };
  }

  private transition(action: Action, target: string, text: string): CommandOutcome {
    if (!target) return { output: `usage: ${action} <ref|#n>${action === 'reply' ? ' <text>' : ''}` };
    const ticket = this.find(target);
    if (!ticket) return unknownTicket(target);
    const rule = TRANSITIONS[action];
    if (!rule.from.includes(ticket.status))
      return { output: `${ticket.reference} is ${ticket.status}: cannot ${action} it` };
    if (OWNER_ONLY.has(action) && ticket.claimedBy !== null && ticket.claimedBy !== this.options.agentId)
      return { output: `${ticket.reference} is claimed by ${ticket.claimedBy}: cannot ${action} it` };
    if (action === 'claim' && ticket.claimedBy === this.options.agentId)
      return { output: `${ticket.reference} is already yours` };
    if (action === 'reply' && !text) return { output: 'a reply needs its text: reply <ref|#n> <text>' };
    const at = this.now().toISOString();
    // A reply's text travels as its message; the lifecycle event only marks the response.
    const message =
      action === 'reply' ? validatePayload(TicketMessagePayload, this.message(ticket, 'public', text, at)) : undefined;
    const lifecycle = validatePayload(TicketLifecyclePayload, {
      ticketId: ticket.ticketId,
      event: rule.event,
      at,
      actor: this.options.agentId,
      alertId: null,
      note: action === 'reply' ? null : text || null,
    });
    const errors = [...(message && !message.ok ? message.errors : []), ...(lifecycle.ok ? [] : lifecycle.errors)];
    if (!lifecycle.ok || (message && !message.ok)) return refused(errors);
    const before = { ticketId: ticket.ticketId, status: ticket.status, claimedBy: ticket.claimedBy };
    ticket.status = rule.to;
    if (action === 'claim') ticket.claimedBy = this.options.agentId;
    return {
      output: `${ticket.reference} ${rule.event}`,
      lifecycle: lifecycle.value,
      ...(message?.ok ? { message: message.value } : {}),
      correlationId: ticket.correlationId,
      before,
    };
  }
}

function unknownTicket(target: string): CommandOutcome {
  return { output: `no ticket ${target} in this session; try list` };
}

function refused(errors: readonly FieldError[]): CommandOutcome {
  return { output: `refused: ${errors.map((error) => `${error.field} ${error.code}`).join(', ')}` };
}

function requester(contact: DeskRequester): string {
  const reach = [contact.name ?? '(no name)', contact.email === null ? '' : `<${contact.email}>`, contact.phone ?? ''];
  const account = [
    contact.userId === null ? '' : `user ${contact.userId}`,
    contact.orgId === null ? '' : `org ${contact.orgId}`,
  ].filter((part) => part !== '');
  return `${reach.filter((part) => part !== '').join(' ')}${account.length > 0 ? ` (${account.join(', ')})` : ''}`;
}

function indent(text: string, prefix: string): string[] {
  return text.split(/\r?\n/).map((line) => `${prefix}${line}`);
}

const SAID: Readonly<Record<string, string>> = {
  'inbound public': 'wrote',
  'outbound public': 'replied',
  'outbound internal': 'noted (internal)',
  'inbound internal': 'noted (internal)',
};

function conversation(messages: readonly DeskConversationMessage[]): string[] {
  if (messages.length === 0) return ['  conversation: none yet'];
  return [
    `  conversation (${messages.length}, oldest first):`,
    ...messages.flatMap((message) => [
      `    ${message.sentAt} ${message.authorKind}${message.authorId ? ` ${message.authorId}` : ''} ${
        SAID[`${message.direction} ${message.visibility}`] ?? message.direction
      } (${message.channel}):`,
      ...indent(message.body ?? '(erased)', '      '),
    ]),
  ];
}
