import { Counter, Gauge, Histogram } from 'prom-client';

/** Fairness you can see: who got how many tickets, how long tickets waited, how loaded agents are. */
export const assignmentMetrics = {
  assignments: new Counter({
    name: 'desk_assignments_total',
    help: 'Tickets given to an agent, by queue, agent and who decided (policy, lead, self)',
    labelNames: ['queue', 'agent', 'by'],
  }),
  wait: new Histogram({
    name: 'desk_assignment_wait_seconds',
    help: 'Time from a ticket entering its queue to its assignment by the policy',
    labelNames: ['queue'],
    buckets: [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 15, 60, 300, 1800, 3600],
  }),
  load: new Gauge({
    name: 'desk_agent_open_tickets',
    help: "Unresolved tickets assigned to an agent, as of the last assignment pass of the agent's queue",
    labelNames: ['agent'],
  }),
  waiting: new Gauge({
    name: 'desk_tickets_waiting_for_agent',
    help: 'Tickets of a queue with an assignment policy that no agent could take in the last pass',
    labelNames: ['queue'],
  }),
};
