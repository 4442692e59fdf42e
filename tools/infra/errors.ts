/**
 * A missing prerequisite or a component that would not start. The message is meant to be shown
 * as is, on one line: what is missing, and the ways to provide it.
 */
export class InfraError extends Error {
  constructor(
    message: string,
    /** Extra lines worth showing below the message (a log tail), never needed to act. */
    readonly details?: string,
  ) {
    super(message);
    this.name = 'InfraError';
  }
}

export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((inner) => describeError(inner)).join('; ');
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
