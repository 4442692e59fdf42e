import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

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
  const traceId = match?.[1] && !/^0+$/.test(match[1]) ? match[1] : randomBytes(16).toString('hex');
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${match?.[3] ?? '01'}`;
}

export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent === undefined ? undefined : TRACEPARENT.exec(traceparent)?.[1];
}
