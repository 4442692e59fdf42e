import { AsyncLocalStorage } from 'node:async_hooks';
import { RandomPool } from '#contracts';

/** What follows one request through the services: its correlation id and its W3C trace. */
export interface TraceContext {
  readonly correlationId?: string;
  /** The traceparent of the work in progress (a child of the incoming one). */
  readonly traceparent?: string;
  /** `ce_id` of the event being handled, the cause of what is published meanwhile. */
  readonly causationId?: string;
}

const storage = new AsyncLocalStorage<TraceContext>();

export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}

export function withTrace<T>(context: TraceContext, work: () => T): T {
  return storage.run(context, work);
}

/** For hooks that cannot wrap the rest of the work (an HTTP request's lifecycle). */
export function enterTrace(context: TraceContext): void {
  storage.enterWith(context);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * A W3C traceparent for the next hop: the same trace id as `parent` with a new span id, or a new
 * trace when there is no valid parent.
 */
export function childTraceparent(parent?: string): string {
  const match = parent === undefined ? null : TRACEPARENT.exec(parent);
  const traceId = match?.[1] && match[1] !== INVALID_TRACE_ID ? match[1] : randomHex(16);
  return `00-${traceId}-${randomHex(8)}-${match?.[3] ?? '01'}`;
}

const INVALID_TRACE_ID = '0'.repeat(32);
/** One `randomBytes` call per id cost more than the rest of routing a ticket. */
const randomPool = new RandomPool(4096);

/** `bytes` random bytes in hex, never all zero (W3C trace and span ids must not be). */
function randomHex(bytes: number): string {
  for (;;) {
    const random = randomPool.take(bytes);
    if (random.some((byte) => byte !== 0)) return random.toString('hex');
  }
}

export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent === undefined ? undefined : TRACEPARENT.exec(traceparent)?.[1];
}
