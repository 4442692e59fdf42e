/**
 * The service's source of time. Every timer (delivery retries, escalation deadlines) is computed
 * from it and stored in PostgreSQL, so tests can move time forward and a restart keeps the timers.
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
