import { Counter, register } from 'prom-client';

export const historyEventsRecorded: Counter<string> =
  (register.getSingleMetric('history_events_recorded_total') as Counter<string> | undefined) ??
  new Counter({
    name: 'history_events_recorded_total',
    help: 'Events appended to the audit chain (duplicates not counted)',
    labelNames: ['topic'],
  });
