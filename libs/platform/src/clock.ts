/**
 * A service's source of time. Timers computed from it (delivery retries, escalation deadlines) are
 * stored in PostgreSQL, so tests can move time forward and a restart keeps the timers.
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
