import { someCause } from '#kafka';

/**
 * PostgreSQL SQLSTATEs that waiting gets past: the server is unreachable or restarting (class 08,
 * 57P01-57P03), out of a resource (class 53: connections, memory, disk), a read-only standby after
 * a failover (25006), or a transient conflict that another attempt avoids (40P01 deadlock, 40001
 * serialization failure). None of them says anything about the record being handled.
 */
const TRANSIENT_STATES = new Set(['57P01', '57P02', '57P03', '25006', '40P01', '40001']);
const TRANSIENT_CLASSES = new Set(['08', '53']);
/** The pg driver's and pool's own connection failures carry no SQLSTATE. */
const TRANSIENT_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
];

export function isTransientDatabaseError(error: unknown): boolean {
  return someCause(error, (current) => {
    if ('code' in current && typeof current.code === 'string' && /^[0-9A-Z]{5}$/.test(current.code)) {
      if (TRANSIENT_STATES.has(current.code) || TRANSIENT_CLASSES.has(current.code.slice(0, 2))) return true;
    }
    return current instanceof Error && TRANSIENT_MESSAGES.some((pattern) => pattern.test(current.message));
  });
}
