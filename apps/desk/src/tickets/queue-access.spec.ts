import type { UserPrincipal } from '#platform';
import { mayOpen, queuesOf } from './queue-access.js';

const user = (userId: string, ...roles: string[]): UserPrincipal => ({
  kind: 'user',
  userId,
  orgId: null,
  email: null,
  name: null,
  roles,
});

describe(queuesOf.name, () => {
  it('gives agents the support queue, PSMs theirs, leads both, others none', () => {
    expect(queuesOf(user('a', 'agent'))).toEqual(['support']);
    expect(queuesOf(user('p', 'agent', 'psm'))).toEqual(['psm']);
    expect(queuesOf(user('l', 'lead'))).toEqual(['psm', 'support']);
    expect(queuesOf(user('x', 'auditor:global'))).toEqual([]);
  });
});

describe(mayOpen.name, () => {
  it("lets a PSM open their own tickets and the pool's, not another PSM's; a lead opens all", () => {
    const psm = user('psm-1', 'agent', 'psm');

    expect(mayOpen(psm, { queue: 'psm', assignee: 'psm-1' })).toBe(true);
    expect(mayOpen(psm, { queue: 'psm', assignee: null })).toBe(true);
    expect(mayOpen(psm, { queue: 'psm', assignee: 'psm-2' })).toBe(false);
    expect(mayOpen(psm, { queue: 'support', assignee: null })).toBe(false);
    expect(mayOpen(user('l', 'lead'), { queue: 'psm', assignee: 'psm-2' })).toBe(true);
    expect(mayOpen(user('a', 'agent'), { queue: null, assignee: null })).toBe(false);
  });
});
