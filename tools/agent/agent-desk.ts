import { QueuedTicketPayload, TicketLifecyclePayload, validatePayload } from '#contracts';
import type { LifecycleEvent, Queue } from '#contracts';

export type DeskStatus = 'new' | 'claimed' | 'replied' | 'resolved';

export interface DeskTicket {
  readonly ticketId: string;
  readonly reference: string;
  readonly priority: string;
  readonly slaDueAt: string;
  readonly assignee: string | null;
  readonly channel: string;
  readonly requestType: string | null;
  readonly subject: string | null;
  readonly reason: string;
  readonly correlationId: string | null;
  status: DeskStatus;
}

export interface DeskOptions {
  readonly queue: Queue;
  /** On the PSM queue: show this PSM's tickets and the pool's (no assignee), not other PSMs'. */
  readonly psmId?: string;
  readonly agentId: string;
  readonly now?: () => Date;
}

export interface CommandOutcome {
  readonly output: string;
  /** The lifecycle event to publish, already validated against the contract. */
  readonly lifecycle?: TicketLifecyclePayload;
  readonly correlationId?: string | null;
  readonly quit?: boolean;
}

const HELP = [
  'list                      tickets of this session, oldest first',
  'claim <ref|#n>            take the ticket (stops the phone-desk escalation, starts the SLA clock of the first response)',
  'reply <ref|#n> <text>     answer the requester (the text is kept, encrypted, in history)',
  'resolve <ref|#n> [text]   close it',
  'reopen <ref|#n> [text]    open it again',
  'quit',
].join('\n');

const TRANSITIONS: Readonly<
  Record<
    'claim' | 'reply' | 'resolve' | 'reopen',
    { readonly from: readonly DeskStatus[]; readonly to: DeskStatus; readonly event: LifecycleEvent }
  >
> = {
  claim: { from: ['new'], to: 'claimed', event: 'claimed' },
  reply: { from: ['new', 'claimed', 'replied'], to: 'replied', event: 'replied' },
  resolve: { from: ['new', 'claimed', 'replied'], to: 'resolved', event: 'resolved' },
  reopen: { from: ['resolved'], to: 'claimed', event: 'reopened' },
};

/**
 * What an agent sees and does: tickets arriving on a queue topic, and commands that become
 * lifecycle events. No I/O: the command-line client feeds it records and publishes what it returns.
 */
export class AgentDesk {
  private readonly tickets: DeskTicket[] = [];
  private readonly now: () => Date;

  constructor(private readonly options: DeskOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** A queue record: the ticket to show, or undefined (invalid, another PSM's, or already shown). */
  accept(value: unknown, correlationId: string | null = null): DeskTicket | undefined {
    const result = validatePayload(QueuedTicketPayload, value);
    if (!result.ok) return undefined;
    const queued = result.value;
    if (queued.queue !== this.options.queue) return undefined;
    if (
      this.options.psmId !== undefined &&
      queued.assignee !== null &&
      queued.assignee !== undefined &&
      queued.assignee !== this.options.psmId
    )
      return undefined;
    if (this.tickets.some((ticket) => ticket.ticketId === queued.ticketId)) return undefined;
    const ticket: DeskTicket = {
      ticketId: queued.ticketId,
      reference: queued.reference,
      priority: queued.priority,
      slaDueAt: queued.slaDueAt,
      assignee: queued.assignee ?? null,
      channel: queued.ticket.channel,
      requestType: queued.ticket.requestType ?? null,
      subject: queued.ticket.subject ?? null,
      reason: queued.reason,
      correlationId,
      status: 'new',
    };
    this.tickets.push(ticket);
    return ticket;
  }

  describe(ticket: DeskTicket): string {
    const index = this.tickets.indexOf(ticket) + 1;
    const due = new Date(ticket.slaDueAt);
    const minutes = Math.round((due.getTime() - this.now().getTime()) / 60_000);
    const sla = minutes >= 0 ? `due in ${minutes} min` : `OVERDUE by ${-minutes} min`;
    const who = ticket.assignee ? ` for ${ticket.assignee}` : this.options.queue === 'psm' ? ' for the PSM pool' : '';
    return `#${index} ${ticket.reference} ${ticket.priority} ${ticket.status} ${ticket.channel}${ticket.requestType ? `/${ticket.requestType}` : ''}${who} (${sla}) ${ticket.subject ?? ''} [${ticket.reason}]`.trim();
  }

  command(line: string): CommandOutcome {
    const [verb = '', target = '', ...rest] = line.trim().split(/\s+/);
    const text = rest.join(' ').trim();
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
      case 'claim':
      case 'reply':
      case 'resolve':
      case 'reopen':
        return this.transition(verb.toLowerCase() as keyof typeof TRANSITIONS, target, text);
      default:
        return { output: `unknown command "${verb}"; try help` };
    }
  }

  private find(target: string): DeskTicket | undefined {
    if (/^#\d+$/.test(target)) return this.tickets[Number(target.slice(1)) - 1];
    const wanted = target.toUpperCase();
    return this.tickets.find(
      (ticket) => ticket.reference.toUpperCase() === wanted || ticket.ticketId.toUpperCase() === wanted,
    );
  }

  private transition(action: keyof typeof TRANSITIONS, target: string, text: string): CommandOutcome {
    if (!target) return { output: `usage: ${action} <ref|#n>${action === 'reply' ? ' <text>' : ''}` };
    const ticket = this.find(target);
    if (!ticket) return { output: `no ticket ${target} in this session; try list` };
    const rule = TRANSITIONS[action];
    if (!rule.from.includes(ticket.status))
      return { output: `${ticket.reference} is ${ticket.status}: cannot ${action} it` };
    if (action === 'reply' && !text) return { output: 'a reply needs its text: reply <ref|#n> <text>' };
    const payload = {
      ticketId: ticket.ticketId,
      event: rule.event,
      at: this.now().toISOString(),
      actor: this.options.agentId,
      alertId: null,
      note: text || null,
    };
    const validation = validatePayload(TicketLifecyclePayload, payload);
    if (!validation.ok)
      return { output: `refused: ${validation.errors.map((error) => `${error.field} ${error.code}`).join(', ')}` };
    ticket.status = rule.to;
    return {
      output: `${ticket.reference} ${rule.event}`,
      lifecycle: validation.value,
      correlationId: ticket.correlationId,
    };
  }
}
