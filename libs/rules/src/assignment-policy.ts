import type { AgentStatus, Locale } from '#contracts';
import type { AssignmentPolicy } from './rule-set.js';

/** An agent who may take tickets of the queue now (online, working it). */
export interface AvailableAgent {
  readonly agentId: string;
  readonly capacity: number;
  /** Unresolved tickets assigned to them. */
  readonly load: number;
  /** Null: no languages given (any ticket). */
  readonly locales: readonly Locale[] | null;
  /** When they were last given a ticket (ms since epoch; 0: never). */
  readonly lastAssignedAt: number;
}

export interface WaitingTicket {
  readonly ticketId: string;
  readonly locale: Locale | null;
}

export interface Assignment {
  readonly ticketId: string;
  readonly agentId: string;
  readonly reason: string;
}

/**
 * Gives waiting tickets (most urgent first) to available agents by the queue's policy: only agents
 * with spare capacity; among them, those who speak the ticket's language when any does (and the
 * rule set prefers it); then round-robin (given a ticket longest ago) or least-loaded (fewest
 * unresolved tickets, then longest ago). A ticket nobody can take keeps waiting. Pure.
 */
export function assignWaiting(
  tickets: readonly WaitingTicket[],
  agents: readonly AvailableAgent[],
  policy: Exclude<AssignmentPolicy, 'none'>,
  preferLanguage: boolean,
  now: number,
): Assignment[] {
  const slots = agents.map((agent) => ({ ...agent }));
  const assignments: Assignment[] = [];
  let turn = 0;
  for (const ticket of tickets) {
    const free = slots.filter((agent) => agent.load < agent.capacity);
    if (free.length === 0) break;
    const speakers =
      preferLanguage && ticket.locale !== null
        ? free.filter((agent) => agent.locales === null || agent.locales.includes(ticket.locale!))
        : [];
    const pool = speakers.length > 0 ? speakers : free;
    const chosen = pool.reduce((best, agent) => (better(agent, best, policy) ? agent : best));
    const reason =
      policy === 'least-loaded'
        ? `least-loaded: ${chosen.agentId} had ${chosen.load} of ${chosen.capacity} open tickets`
        : `round-robin: ${chosen.agentId}'s turn (${chosen.load} of ${chosen.capacity} open tickets)`;
    const language =
      speakers.length > 0 && speakers.length < free.length
        ? `, speaks ${ticket.locale}`
        : speakers.length === 0 && preferLanguage && ticket.locale !== null
          ? `, nobody free speaks ${ticket.locale}`
          : '';
    assignments.push({ ticketId: ticket.ticketId, agentId: chosen.agentId, reason: `${reason}${language}` });
    chosen.load += 1;
    // Strictly increasing within the pass, so that round-robin moves on to the next agent.
    chosen.lastAssignedAt = now + turn;
    turn += 1;
  }
  return assignments;
}

function better(candidate: AvailableAgent, best: AvailableAgent, policy: Exclude<AssignmentPolicy, 'none'>): boolean {
  if (policy === 'least-loaded' && candidate.load !== best.load) return candidate.load < best.load;
  if (candidate.lastAssignedAt !== best.lastAssignedAt) return candidate.lastAssignedAt < best.lastAssignedAt;
  return candidate.agentId < best.agentId;
}

/** Where a chat ticket goes, given its dedicated PSM's and their backup's presence. */
export type PsmChoice =
  | { readonly kind: 'agent'; readonly agentId: string; readonly reason: string }
  | { readonly kind: 'pool'; readonly reason: string };

export function choosePsm(
  dedicated: string,
  dedicatedStatus: AgentStatus | undefined,
  backup: string | null,
  backupStatus: AgentStatus | undefined,
): PsmChoice {
  if (dedicatedStatus === undefined)
    return { kind: 'agent', agentId: dedicated, reason: `dedicated PSM ${dedicated} (presence unknown: they keep it)` };
  if (dedicatedStatus === 'online')
    return { kind: 'agent', agentId: dedicated, reason: `dedicated PSM ${dedicated} is online` };
  if (backup !== null && backupStatus === 'online')
    return {
      kind: 'agent',
      agentId: backup,
      reason: `dedicated PSM ${dedicated} is ${dedicatedStatus}: backup PSM ${backup} is online`,
    };
  return {
    kind: 'pool',
    reason:
      backup === null
        ? `dedicated PSM ${dedicated} is ${dedicatedStatus} and the organisation has no backup PSM: the PSM pool`
        : `dedicated PSM ${dedicated} is ${dedicatedStatus} and backup PSM ${backup} is ${backupStatus ?? 'of unknown presence'}: the PSM pool`,
  };
}

/** Who would get a ticket now, as far as presence tells (desk decides with the agents' loads). */
export interface AssignmentPreview {
  readonly policy: AssignmentPolicy;
  /** The person, when presence alone decides (a dedicated or backup PSM); null otherwise. */
  readonly agentId: string | null;
  /** The online agents of the queue the policy would choose among. */
  readonly candidates: readonly string[];
  readonly reason: string;
}

export interface PresenceLookup {
  status(agentId: string): AgentStatus | undefined;
  /** Online agents of the queue who speak the locale (all online agents when none does). */
  online(queue: string, locale: Locale | null): readonly string[];
}

export function previewAssignment(
  decision: { readonly queue: 'psm' | 'support'; readonly assignee: string | null },
  policy: AssignmentPolicy,
  locale: Locale | null,
  backup: string | null,
  presence: PresenceLookup,
): AssignmentPreview {
  if (decision.queue === 'psm' && decision.assignee !== null) {
    const choice = choosePsm(
      decision.assignee,
      presence.status(decision.assignee),
      backup,
      backup === null ? undefined : presence.status(backup),
    );
    if (choice.kind === 'agent')
      return { policy, agentId: choice.agentId, candidates: [choice.agentId], reason: choice.reason };
    if (policy === 'none') return { policy, agentId: null, candidates: [], reason: choice.reason };
  }
  if (policy === 'none')
    return {
      policy,
      agentId: null,
      candidates: [],
      reason: `the ${decision.queue} queue assigns nobody: agents pick from it`,
    };
  const candidates = presence.online(decision.queue, locale);
  if (candidates.length === 0)
    return {
      policy,
      agentId: null,
      candidates,
      reason: `nobody of the ${decision.queue} queue is online: the ticket waits for the first who is, with spare capacity`,
    };
  const rule =
    policy === 'least-loaded'
      ? 'the one with the fewest open tickets (and spare capacity) when it arrives'
      : 'the one whose turn it is (given a ticket longest ago, with spare capacity)';
  return {
    policy,
    agentId: candidates.length === 1 ? candidates[0]! : null,
    candidates,
    reason: `${policy} among ${candidates.length} online agent(s) of the ${decision.queue} queue (${candidates.join(', ')}): ${rule}`,
  };
}
