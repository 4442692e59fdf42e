/** Stable codes of the Kafka plumbing; they end up in DLQ headers and problem responses. */
export const KafkaErrorCode = {
  unavailable: 'KAFKA_UNAVAILABLE',
  publishTimeout: 'KAFKA_PUBLISH_TIMEOUT',
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

const INFRASTRUCTURE_KAFKA_CODES = new Set<string>([KafkaErrorCode.unavailable, KafkaErrorCode.publishTimeout]);
/**
 * Socket errors; PostgreSQL's shutdowns (57P01-57P03); and its transient conflicts, a deadlock
 * (40P01) or a serialization failure (40001), which another attempt gets past.
 */
const INFRASTRUCTURE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '40P01', '40001']);
const INFRASTRUCTURE_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /the database system is (starting up|shutting down)/i];

/**
 * A failure of a dependency (the broker, the database) or a transient conflict in it, not of the
 * record: retrying it is not a sign of a poison message, so it never sends a record to the
 * dead-letter topic.
 */
export function isInfrastructureError(error: unknown): boolean {
  const visit = (current: unknown, depth: number): boolean => {
    if (depth > 5 || current === null || typeof current !== 'object') return false;
    if (current instanceof KafkaPublishError && INFRASTRUCTURE_KAFKA_CODES.has(current.code)) return true;
    if ('code' in current && typeof current.code === 'string' && INFRASTRUCTURE_CODES.has(current.code)) return true;
    if (current instanceof Error && INFRASTRUCTURE_MESSAGES.some((pattern) => pattern.test(current.message))) return true;
    return ('cause' in current && visit(current.cause, depth + 1)) || ('driverError' in current && visit(current.driverError, depth + 1));
  };
  return visit(error, 0);
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

/**
 * Errors after which an idempotent producer's id and sequence numbers are no longer good for the
 * broker (typically after the broker lost its producer state, e.g. a restart): only a new producer
 * id helps, and kafkajs does not ask for one by itself.
 */
const STALE_PRODUCER_TYPES = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_ID_MAPPING', 'INVALID_PRODUCER_EPOCH']);

export function isStaleProducer(error: unknown): boolean {
  const types = new Set<string>();
  const visit = (current: unknown, depth: number): void => {
    if (depth > 5 || current === null || typeof current !== 'object') return;
    if ('type' in current && typeof current.type === 'string') types.add(current.type);
    if ('cause' in current) visit(current.cause, depth + 1);
    if ('errors' in current && Array.isArray(current.errors)) for (const inner of current.errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return [...types].some((type) => STALE_PRODUCER_TYPES.has(type));
}

/** Errors that mean another producer with the same transactional id has taken over (fencing). */
const FENCING_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING']);

export function isProducerFenced(error: unknown): boolean {
  const type = kafkaErrorType(error);
  return type !== undefined && FENCING_TYPES.has(type);
}
