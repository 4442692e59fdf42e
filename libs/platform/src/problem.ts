import { Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import type { FieldError } from '#contracts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, with our stable `code` and field-level `errors`. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly code: string;
  readonly errors?: readonly FieldError[];
}

/**
 * An error a service raises on purpose: a stable code, the HTTP status it maps to, and optionally
 * field errors and headers (such as Retry-After).
 */
export class ApplicationError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly errors?: readonly FieldError[],
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'ApplicationError';
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function codeFromStatus(status: number): string {
  return (TITLES[status] ?? 'Error').toUpperCase().replace(/[^A-Z]+/g, '_');
}

/**
 * Maps every error of an HTTP request to problem+json (stack traces are logged, never sent) and
 * hands errors of Kafka handlers back to the consumer transport unchanged.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    // Kafka handlers: the consumer transport decides between retry and dead letter from the error itself.
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const problem = this.toProblem(exception, request.url);
    if (exception instanceof ApplicationError && exception.headers) {
      for (const [name, value] of Object.entries(exception.headers)) void reply.header(name, value);
    }
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  private toProblem(exception: unknown, instance: string): ProblemDetails {
    if (exception instanceof ApplicationError) {
      return {
        type: `https://support-routing.dev/problems/${exception.code.toLowerCase().replace(/_/g, '-')}`,
        title: TITLES[exception.status] ?? 'Error',
        status: exception.status,
        detail: exception.message,
        instance,
        code: exception.code,
        ...(exception.errors ? { errors: exception.errors } : {}),
      };
    }
    const fastifyStatus = statusOfFrameworkError(exception);
    if (exception instanceof HttpException || fastifyStatus !== undefined) {
      const status = exception instanceof HttpException ? exception.getStatus() : (fastifyStatus ?? 500);
      const detail = exception instanceof Error ? exception.message : undefined;
      return {
        type: 'about:blank',
        title: TITLES[status] ?? 'Error',
        status,
        ...(detail === undefined ? {} : { detail }),
        instance,
        code: codeFromStatus(status),
      };
    }
    this.logger.error(exception instanceof Error ? exception : String(exception));
    return {
      type: 'about:blank',
      title: TITLES[HttpStatus.INTERNAL_SERVER_ERROR] ?? 'Internal Server Error',
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: 'an unexpected error occurred; it has been logged',
      instance,
      code: 'INTERNAL_ERROR',
    };
  }
}

/** Fastify's own errors (body too large, bad JSON, wrong content type) carry a 4xx statusCode. */
function statusOfFrameworkError(exception: unknown): number | undefined {
  if (exception !== null && typeof exception === 'object' && 'statusCode' in exception) {
    const status = exception.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return status;
  }
  return undefined;
}
