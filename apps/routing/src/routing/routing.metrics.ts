import { Counter, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

export const routingMetrics = {
  decisions: counter(
    'routing_decisions_total',
    'Routing decisions by queue, rule and priority (a batch whose transaction fails is decided, and counted, again)',
    ['queue', 'rule', 'priority'],
  ),
  alerts: counter(
    'routing_alerts_total',
    'Phone-desk alerts raised, by target (phone-desk inside desk hours, on-call outside)',
    ['target'],
  ),
};
