import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { FieldError } from '#contracts';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import type { ProblemDetails } from './problem.js';

/** One invalid field of a 400 problem. */
export class FieldErrorView implements FieldError {
  @ApiProperty({ description: 'dotted path of the offending field; empty for the whole body', example: 'message' })
  field!: string;

  @ApiProperty({ description: 'stable machine-readable code', example: 'maxLength' })
  code!: string;

  @ApiProperty({ example: 'message must be shorter than or equal to 10000 characters' })
  message!: string;
}

/** RFC 9457 problem details, as `ProblemDetailsFilter` sends them: the one error body of every service. */
export class ProblemView implements ProblemDetails {
  @ApiProperty({
    description: 'a URI naming the problem: https://support-routing.dev/problems/<code>, or about:blank',
    example: 'https://support-routing.dev/problems/validation-failed',
  })
  type!: string;

  @ApiProperty({ description: 'the HTTP reason phrase of the status', example: 'Bad Request' })
  title!: string;

  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 })
  status!: number;

  @ApiPropertyOptional({ description: 'what went wrong, for a human', example: 'the request has 1 invalid field(s)' })
  detail?: string;

  @ApiPropertyOptional({ description: 'the path of the request', example: '/v1/requests' })
  instance?: string;

  @ApiProperty({ description: 'stable machine-readable code', example: 'VALIDATION_FAILED' })
  code!: string;

  @ApiPropertyOptional({ type: [FieldErrorView], description: 'one entry per invalid field (validation failures)' })
  errors?: FieldErrorView[];
}

/** The error statuses our services answer on purpose. */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

const PROBLEM_DESCRIPTIONS: Readonly<Record<ProblemStatus, string>> = {
  400: 'invalid request: the field errors say which fields and why',
  401: 'missing or invalid credentials',
  403: 'the credentials do not allow this',
  404: 'not found',
  409: 'conflicts with the current state',
  413: 'the body is larger than the limit',
  415: 'the body is not application/json',
  422: 'well-formed, but cannot be processed',
  429: 'too many requests: retry after Retry-After seconds',
  503: 'a dependency is unavailable: retry after Retry-After seconds',
};

/** Statuses whose problem comes with a Retry-After header. */
const RETRY_AFTER_STATUSES: ReadonlySet<ProblemStatus> = new Set<ProblemStatus>([429, 503]);

/** A status, or a status with what it means on this route. */
export type ProblemResponse = ProblemStatus | { readonly status: ProblemStatus; readonly description: string };

/**
 * Documents error responses of a route (or of every route of a controller): one response per
 * status, `application/problem+json` with the shared `ProblemView` schema. A client generated from
 * the document then reads one error shape everywhere, as `ProblemDetailsFilter` guarantees.
 */
export function ApiProblems(...problems: readonly ProblemResponse[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemView, FieldErrorView),
    ...problems.map((problem) => {
      const { status, description } =
        typeof problem === 'number' ? { status: problem, description: PROBLEM_DESCRIPTIONS[problem] } : problem;
      return ApiResponse({
        status,
        description,
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemView) } } },
        ...(RETRY_AFTER_STATUSES.has(status)
          ? {
              headers: {
                'Retry-After': {
                  description: 'seconds to wait before retrying',
                  schema: { type: 'integer', minimum: 1 },
                },
              },
            }
          : {}),
      });
    }),
  );
}
