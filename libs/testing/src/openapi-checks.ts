import type { DynamicModule } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { NormalizedProblem } from '@redocly/openapi-core';
import type { beforeAll as BeforeAll, expect as Expect, it as It } from '@jest/globals';
import type { OpenApiInfo } from '#platform';
import {
  errorResponsesOffProblemSchema,
  hasProblemResponse,
  hasSuccessSchema,
  lintErrors,
  lintOpenApi,
  lintReport,
  openApiDocumentOf,
  operationsOf,
  staleAcceptances,
  unacceptedLintWarnings,
  untypedSchemas,
} from './openapi-lint.js';
import type { AcceptedLintWarning } from './openapi-lint.js';

/** What every service's OpenAPI document is held to, and what differs from one service to the next. */
export interface OpenApiDocumentChecks {
  /** The service's module, as it runs in development. */
  readonly module: () => DynamicModule;
  readonly info: OpenApiInfo;
  /** Every operation it serves, `METHOD /path`. */
  readonly operations: readonly string[];
  /** Warnings of Redocly's recommended rules the document keeps, each with its reason. */
  readonly acceptedWarnings: readonly AcceptedLintWarning[];
  /** Operations no caller can send anything wrong to, so with no error response to document. */
  readonly withoutClientErrors?: readonly string[];
}

interface JestGlobals {
  readonly beforeAll: typeof BeforeAll;
  readonly it: typeof It;
  readonly expect: typeof Expect;
}

/**
 * Declares, inside a `describe`, the checks every service's OpenAPI document passes: no error and
 * no unaccepted warning under Redocly's recommended rules (and no acceptance that is not needed
 * any more), exactly the operations the service serves, each with a 2xx body schema and its errors
 * as problem+json, and a type on every schema property and parameter. Returns the document (built
 * before the tests run) for the service's own checks.
 *
 * Jest's globals are taken from the test environment, not imported: bench code loads this library
 * too, outside Jest.
 */
export function checkOpenApiDocument(checks: OpenApiDocumentChecks): () => OpenAPIObject {
  const { beforeAll, it, expect } = globalThis as unknown as JestGlobals;
  let document: OpenAPIObject | undefined;
  let problems: NormalizedProblem[] = [];

  beforeAll(async () => {
    document = await openApiDocumentOf(checks.module(), checks.info);
    problems = await lintOpenApi(document);
  });
  const built = (): OpenAPIObject => {
    if (!document) throw new Error('the OpenAPI document is built before the tests run');
    return document;
  };

  it("has no error under Redocly's recommended rules", () => {
    expect(lintReport(lintErrors(problems))).toEqual([]);
  });

  it('has no warning but those accepted, and every acceptance is still needed', () => {
    expect(lintReport(unacceptedLintWarnings(problems, checks.acceptedWarnings))).toEqual([]);
    expect(staleAcceptances(problems, checks.acceptedWarnings)).toEqual([]);
  });

  it('documents every operation, each with a 2xx body schema and its errors as problem+json', () => {
    const operations = operationsOf(built());
    const withoutClientErrors = new Set(checks.withoutClientErrors ?? []);

    expect(operations.map(({ name }) => name).sort()).toEqual([...checks.operations].sort());
    expect(operations.filter((operation) => !hasSuccessSchema(operation)).map(({ name }) => name)).toEqual([]);
    expect(
      operations
        .filter((operation) => !hasProblemResponse(operation) && !withoutClientErrors.has(operation.name))
        .map(({ name }) => name),
    ).toEqual([]);
    expect(errorResponsesOffProblemSchema(built())).toEqual([]);
  });

  it('gives a type to every schema property and parameter', () => {
    expect(untypedSchemas(built())).toEqual([]);
  });

  return built;
}
