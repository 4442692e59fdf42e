/** Stable codes of the Kafka plumbing; they end up in DLQ headers and problem responses. */
export const KafkaErrorCode = {
  unavailable: 'KAFKA_UNAVAILABLE',
  publishTimeout: 'KAFKA_PUBLISH_TIMEOUT',
  /** The broker refused a record itself (too large, invalid): that record's fault, never waited out. */
  recordRefused: 'KAFKA_RECORD_REFUSED',
  invalidJson: 'INVALID_JSON',
  invalidEvent: 'INVALID_EVENT',
  handlerFailed: 'HANDLER_FAILED',
  noHandler: 'NO_HANDLER',
  transactionFailed: 'KAFKA_TRANSACTION_FAILED',
  producerFenced: 'KAFKA_PRODUCER_FENCED',
} as const;

export type KafkaErrorCodeValue = (typeof KafkaErrorCode)[keyof typeof KafkaErrorCode];

/** Failed to get records durably into Kafka. */
export class KafkaPublishError extends Error {
  constructor(
    readonly code: KafkaErrorCodeValue,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaPublishError';
  }

  /** A refused record is refused again: no point in another attempt. */
  get retriable(): boolean {
    return this.code !== KafkaErrorCode.recordRefused;
  }
}

/**
 * A consume-transform-produce transaction that did not commit. Nothing of it is visible to
 * read_committed readers and its offsets did not move: the records are handled again.
 */
export class KafkaTransactionError extends Error {
  readonly retriable = true;

  constructor(
    readonly code: KafkaErrorCodeValue,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaTransactionError';
  }
}

/**
 * A handler error that retrying cannot fix (bad payload, broken invariant): the record goes to the
 * dead-letter topic at once instead of after the bounded retries.
 */
export class NonRetriableEventError extends Error {
  readonly retriable = false;

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'NonRetriableEventError';
  }
}

/**
 * Broker errors about a record itself. Retrying cannot help, so they are the record's fault; every
 * other failure to write (no connection, no leader, too few in-sync replicas, a timeout) is the
 * broker's, waited out without counting against the record.
 */
const RECORD_REFUSAL_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TIMESTAMP',
]);

/** What a failed produce request means for its callers: the record's fault, a timeout, or the broker unavailable. */
export function publishFailureOf(error: unknown): KafkaPublishError {
  if (error instanceof KafkaPublishError) return error;
  const type = kafkaErrorType(error);
  if (type !== undefined && RECORD_REFUSAL_TYPES.has(type)) {
    return new KafkaPublishError(KafkaErrorCode.recordRefused, `the broker refused a record (${type})`, {
      cause: error,
    });
  }
  return new KafkaPublishError(KafkaErrorCode.unavailable, `Kafka write failed: ${messageOf(error)}`, { cause: error });
}

const INFRASTRUCTURE_KAFKA_CODES = new Set<string>([KafkaErrorCode.unavailable, KafkaErrorCode.publishTimeout]);
/** Socket errors, whoever the peer is. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Recognises the failures of another dependency (a database) that waiting gets past. */
export type DependencyFailureTest = (error: unknown) => boolean;

/** Visits an error and its causes (`cause`, TypeORM's `driverError`), a few levels deep. */
export function someCause(error: unknown, test: (candidate: object) => boolean): boolean {
  const visit = (current: unknown, depth: number): boolean => {
    if (depth > 5 || current === null || typeof current !== 'object') return false;
    if (test(current)) return true;
    return (
      ('cause' in current && visit(current.cause, depth + 1)) ||
      ('driverError' in current && visit(current.driverError, depth + 1))
    );
  };
  return visit(error, 0);
}

/**
 * A failure of a dependency (the broker, a socket, or what `dependencyFailure` recognises), not of
 * the record: retrying it is not a sign of a poison message, so it never sends a record to the
 * dead-letter topic.
 */
export function isInfrastructureError(error: unknown, dependencyFailure?: DependencyFailureTest): boolean {
  const ours = someCause(
    error,
    (current) =>
      (current instanceof KafkaPublishError && INFRASTRUCTURE_KAFKA_CODES.has(current.code)) ||
      ('code' in current && typeof current.code === 'string' && SOCKET_CODES.has(current.code)),
  );
  return ours || (dependencyFailure?.(error) ?? false);
}

export function errorCodeOf(error: unknown): string {
  if (error !== null && typeof error === 'object' && 'code' in error) {
    const code = error.code;
    if (typeof code === 'string' && code.length > 0) return code;
  }
  return KafkaErrorCode.handlerFailed;
}

export function isRetriable(error: unknown): boolean {
  if (error !== null && typeof error === 'object' && 'retriable' in error) {
    return error.retriable !== false;
  }
  return true;
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  if (error !== null && typeof error === 'object' && 'message' in error && typeof error.message === 'string') {
    return (error as { message: string }).message;
  }
  return 'unknown error';
}

/** The broker's error name (`INVALID_PRODUCER_EPOCH`, ...) of a client error, looked for along its causes. */
export function kafkaErrorType(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    if ('type' in current && typeof current.type === 'string') return current.type;
    current = 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

/** Errors that mean another producer with the same transactional id has taken over (fencing). */
const FENCING_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING']);

export function isProducerFenced(error: unknown): boolean {
  const type = kafkaErrorType(error);
  return type !== undefined && FENCING_TYPES.has(type);
}
