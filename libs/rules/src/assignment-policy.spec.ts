import { assignWaiting, choosePsm } from './assignment-policy.js';
import type { AvailableAgent, WaitingTicket } from './assignment-policy.js';

const agent = (agentId: string, overrides: Partial<AvailableAgent> = {}): AvailableAgent => ({
  agentId,
  capacity: 2,
  load: 0,
  locales: null,
  lastAssignedAt: 0,
  ...overrides,
});
const tickets = (count: number, locale: 'fr' | 'en' | null = null): WaitingTicket[] =>
  Array.from({ length: count }, (_, index) => ({ ticketId: `t${index}`, locale }));

describe(assignWaiting.name, () => {
  it('gives least-loaded tickets to the agent with the fewest, and never beyond capacity', () => {
    const sut = assignWaiting(tickets(5), [agent('a', { load: 1 }), agent('b')], 'least-loaded', true, 1_000);

    expect(sut.map((assignment) => assignment.agentId)).toEqual(['b', 'a', 'b']);
    expect(sut[0]?.reason).toBe('least-loaded: b had 0 of 2 open tickets');
  });

  it('turns round-robin over the agents given a ticket longest ago', () => {
    const sut = assignWaiting(
      tickets(4),
      [
        agent('a', { lastAssignedAt: 500, capacity: 5 }),
        agent('b', { lastAssignedAt: 100, capacity: 5 }),
        agent('c', { capacity: 5 }),
      ],
      'round-robin',
      true,
      1_000,
    );

    expect(sut.map((assignment) => assignment.agentId)).toEqual(['c', 'b', 'a', 'c']);
  });

  it("prefers agents who speak the ticket's language, and takes anyone free when none does", () => {
    const agents = [agent('en-only', { locales: ['en'] }), agent('fr-too', { locales: ['fr', 'en'], load: 1 })];

    expect(assignWaiting(tickets(1, 'fr'), agents, 'least-loaded', true, 0)[0]).toMatchObject({
      agentId: 'fr-too',
      reason: 'least-loaded: fr-too had 1 of 2 open tickets, speaks fr',
    });
    expect(assignWaiting(tickets(1, 'fr'), agents, 'least-loaded', false, 0)[0]?.agentId).toBe('en-only');
    expect(
      assignWaiting(tickets(1, 'fr'), [agent('en-only', { locales: ['en'] })], 'least-loaded', true, 0)[0]?.reason,
    ).toBe('least-loaded: en-only had 0 of 2 open tickets, nobody free speaks fr');
  });

  it('leaves tickets waiting when nobody has spare capacity', () => {
    expect(assignWaiting(tickets(3), [agent('a', { load: 2 })], 'round-robin', true, 0)).toEqual([]);
  });
});

describe(choosePsm.name, () => {
  it('keeps the dedicated PSM while online or of unknown presence, then the online backup, then the pool', () => {
    expect(choosePsm('p', 'online', 'b', 'online')).toMatchObject({ kind: 'agent', agentId: 'p' });
    expect(choosePsm('p', undefined, 'b', 'online')).toMatchObject({ kind: 'agent', agentId: 'p' });
    expect(choosePsm('p', 'away', 'b', 'online')).toMatchObject({ kind: 'agent', agentId: 'b' });
    expect(choosePsm('p', 'offline', 'b', 'away')).toMatchObject({ kind: 'pool' });
    expect(choosePsm('p', 'away', null, undefined)).toEqual({
      kind: 'pool',
      reason: 'dedicated PSM p is away and the organisation has no backup PSM: the PSM pool',
    });
  });
});
