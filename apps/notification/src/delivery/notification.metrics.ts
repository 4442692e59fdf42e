import { Counter, register } from 'prom-client';

export const notificationOutcomes: Counter<string> =
  (register.getSingleMetric('notification_outcomes_total') as Counter<string> | undefined) ??
  new Counter({
    name: 'notification_outcomes_total',
    help: 'Notification attempts by audience, channel and outcome (sent, retrying, failed, skipped)',
    labelNames: ['audience', 'channel', 'outcome'],
  });
