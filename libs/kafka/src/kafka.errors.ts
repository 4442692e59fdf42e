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
