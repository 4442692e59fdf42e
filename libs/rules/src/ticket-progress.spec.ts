import fc from 'fast-check';
import { NEW_TICKET_PROGRESS, advance, nextResponseDueAt, slaBreached, statusOf } from './ticket-progress.js';
import type { DueTime, ProgressChange, TicketProgress } from './ticket-progress.js';

const HOUR = 3_600_000;
const at = (hours: number): Date => new Date(Date.UTC(2026, 11, 1, 9) + hours * HOUR);
// Every priority answers within four hours, on the calendar clock.
const dueAt: DueTime = (_priority, from) => new Date(from.getTime() + 4 * HOUR);

const routed: ProgressChange = { kind: 'routed', queue: 'support', priority: 'P2', slaDueAt: at(4), assignee: null };
const lifecycle = (
  event: 'assigned' | 'claimed' | 'replied' | 'resolved' | 'reopened',
  hours: number,
  who = 'agent-1',
) => ({ kind: 'lifecycle', event, at: at(hours), actor: who, agentId: who }) as const;
const message = (direction: 'inbound' | 'outbound', hours: number, visibility: 'public' | 'internal' = 'public') =>
  ({ kind: 'message', direction, visibility, sentAt: at(hours) }) as const;

function run(changes: readonly ProgressChange[]): TicketProgress {
  return changes.reduce((progress, change) => advance(progress, change, dueAt), NEW_TICKET_PROGRESS);
}

describe(advance.name, () => {
  it('goes received, routed, assigned, claimed, pending, open, resolved through a conversation', () => {
    const steps: ProgressChange[] = [
      routed,
      lifecycle('assigned', 0.1),
      lifecycle('claimed', 0.2),
      message('outbound', 1),
      message('inbound', 2),
      lifecycle('resolved', 3),
    ];
    const statuses = [statusOf(NEW_TICKET_PROGRESS)];
    let progress = NEW_TICKET_PROGRESS;
    for (const step of steps) {
      progress = advance(progress, step, dueAt);
      statuses.push(statusOf(progress));
    }

    expect(statuses).toEqual(['received', 'routed', 'assigned', 'claimed', 'pending', 'open', 'resolved']);
  });

  it('does not count a claim or an internal note as a response', () => {
    const sut = run([routed, lifecycle('claimed', 1), message('outbound', 2, 'internal')]);

    expect(sut.firstResponseAt).toBeNull();
    expect(statusOf(sut)).toBe('claimed');
    expect(slaBreached(sut, at(5), dueAt)).toBe(true);
  });

  it('takes the first public reply as the first response, within or after the due time', () => {
    expect(run([routed, message('outbound', 3)]).firstResponseAt).toEqual(at(3));
    expect(slaBreached(run([routed, message('outbound', 3)]), at(100), dueAt)).toBe(false);
    expect(slaBreached(run([routed, lifecycle('replied', 5)]), at(100), dueAt)).toBe(true);
  });

  it('gives a follow-up a next-response due time from its own time, cleared by the answer', () => {
    const waiting = run([routed, message('outbound', 1), message('inbound', 10)]);

    expect(statusOf(waiting)).toBe('open');
    expect(nextResponseDueAt(waiting, dueAt)).toEqual(at(14));
    expect(slaBreached(waiting, at(13), dueAt)).toBe(false);
    expect(slaBreached(waiting, at(15), dueAt)).toBe(true);

    const answered = advance(waiting, message('outbound', 12), dueAt);
    expect(statusOf(answered)).toBe('pending');
    expect(nextResponseDueAt(answered, dueAt)).toBeNull();
    expect(slaBreached(answered, at(100), dueAt)).toBe(false);

    const late = advance(waiting, message('outbound', 15), dueAt);
    expect(late.nextResponseBreached).toBe(true);
    expect(slaBreached(late, at(100), dueAt)).toBe(true);
  });

  it('reopens a resolved ticket on a later follow-up, and ignores one written before the resolution', () => {
    const resolved = run([routed, message('outbound', 1), lifecycle('resolved', 5)]);

    expect(statusOf(advance(resolved, message('inbound', 4), dueAt))).toBe('resolved');
    const reopened = advance(resolved, message('inbound', 6), dueAt);
    expect(statusOf(reopened)).toBe('open');
    expect(nextResponseDueAt(reopened, dueAt)).toEqual(at(10));
    expect(statusOf(advance(resolved, lifecycle('reopened', 7), dueAt))).toBe('open');
  });

  it('gives an unclaimed ticket back to its queue on an assignment without an agent, not a claimed one', () => {
    const back = { kind: 'lifecycle', event: 'assigned', at: at(2), actor: null, agentId: null } as const;

    const given = run([routed, lifecycle('assigned', 1, 'agent-2'), back]);
    expect([given.assignee, statusOf(given)]).toEqual([null, 'routed']);
    const kept = run([routed, lifecycle('claimed', 1, 'agent-2'), back]);
    expect([kept.assignee, statusOf(kept)]).toEqual(['agent-2', 'claimed']);
  });

  it('keeps an assignment that overtook routing, and a claim makes the claimer the assignee', () => {
    const sut = run([lifecycle('assigned', 0, 'agent-2'), { ...routed, assignee: 'psm-1' }]);

    expect(sut.assignee).toBe('agent-2');
    expect(run([routed, lifecycle('claimed', 1, 'agent-3')]).assignee).toBe('agent-3');
  });

  it('reaches the same status and due times however the topics interleave (each keeps its own order)', () => {
    // Messages share a topic and a key (one partition: their order holds); lifecycle events and the
    // routing decision travel on other topics and may come before or after any of them.
    const messages: ProgressChange[] = [
      message('outbound', 1),
      message('inbound', 2),
      message('outbound', 3, 'internal'),
      message('outbound', 5),
      message('inbound', 6),
    ];
    const lifecycles: ProgressChange[] = [lifecycle('claimed', 0.5), lifecycle('replied', 1), lifecycle('replied', 5)];
    const expected = run([
      routed,
      lifecycles[0]!,
      messages[0]!,
      lifecycles[1]!,
      ...messages.slice(1, 4),
      lifecycles[2]!,
      messages[4]!,
    ]);
    const interleavings = fc
      .tuple(fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), fc.nat({ max: 8 }))
      .map(([picks, routedAt]) => {
        const order: ProgressChange[] = [];
        let m = 0;
        let l = 0;
        for (const pick of picks) {
          if ((pick && m < messages.length) || l >= lifecycles.length) order.push(messages[m++]!);
          else order.push(lifecycles[l++]!);
        }
        order.splice(routedAt, 0, routed);
        return order;
      });
    fc.assert(
      fc.property(interleavings, (order) => {
        const sut = run(order);
        expect(statusOf(sut)).toBe(statusOf(expected));
        expect(nextResponseDueAt(sut, dueAt)).toEqual(nextResponseDueAt(expected, dueAt));
        expect(sut.firstResponseAt).toEqual(expected.firstResponseAt);
        expect(slaBreached(sut, at(100), dueAt)).toBe(slaBreached(expected, at(100), dueAt));
      }),
    );
    expect(statusOf(expected)).toBe('open');
  });
});
