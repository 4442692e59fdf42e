import { QUEUES } from '#contracts';
import type { Queue } from '#contracts';
import type { UserPrincipal } from '#platform';

export const DeskRoles = { agent: 'agent', psm: 'psm', lead: 'lead' } as const;
export const DESK_ROLES = [DeskRoles.agent, DeskRoles.psm, DeskRoles.lead] as const;

/** The queues someone works: every queue for a lead, `support` for agents, `psm` for PSMs. */
export function queuesOf(user: UserPrincipal): Queue[] {
  if (user.roles.includes(DeskRoles.lead)) return [...QUEUES];
  const queues: Queue[] = [];
  if (user.roles.includes(DeskRoles.agent) && !user.roles.includes(DeskRoles.psm)) queues.push('support');
  if (user.roles.includes(DeskRoles.psm)) queues.push('psm');
  return queues;
}

export function isLead(user: UserPrincipal): boolean {
  return user.roles.includes(DeskRoles.lead);
}

/** In `psm`, a PSM sees their own tickets and the pool's; anyone else of a queue sees all of it. */
export function mayOpen(
  user: UserPrincipal,
  ticket: { readonly queue: Queue | null; readonly assignee: string | null },
): boolean {
  if (ticket.queue === null || !queuesOf(user).includes(ticket.queue)) return false;
  if (ticket.queue !== 'psm' || isLead(user)) return true;
  return ticket.assignee === null || ticket.assignee === user.userId;
}

/** A stream row for someone: same rule, on the queue and assignee the event was recorded with. */
export function streamFilter(
  user: UserPrincipal,
): (event: { readonly queue: Queue | null; readonly assignee: string | null }) => boolean {
  return (event) => mayOpen(user, event);
}
