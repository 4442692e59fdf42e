import type { DynamicModule, Type } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import type { NormalizedProblem } from '@redocly/openapi-core';
import { PROBLEM_CONTENT_TYPE, ProblemView, buildOpenApiDocument } from '#platform';
import type { OpenApiInfo } from '#platform';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * The OpenAPI document a service serves, built from its module's controllers as bootstrap builds
 * it, without Kafka or PostgreSQL: the controllers' dependencies are empty stand-ins, never called.
 */
export async function openApiDocumentOf(module: DynamicModule, info: OpenApiInfo): Promise<OpenAPIObject> {
  const controllers: Type[] = module.controllers ?? [];
  const testingModule = await Test.createTestingModule({ controllers })
    .useMocker(() => ({}))
    .compile();
  const app = testingModule.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  try {
    return buildOpenApiDocument(app, info);
  } finally {
    await app.close();
  }
}

/** Redocly's `recommended` rule set, as `redocly lint` runs it without a configuration file. */
export async function lintOpenApi(document: OpenAPIObject): Promise<NormalizedProblem[]> {
  // Loaded here, not with the module: every test that imports #testing would pay for the linter.
  const { createConfig, lintFromString } = await import('@redocly/openapi-core');
  const config = await createConfig({ extends: ['recommended'] });
  return lintFromString({ source: JSON.stringify(document), config });
}

/** A warning a service accepts, and why; `at` narrows it to one place (a JSON pointer prefix). */
export interface AcceptedLintWarning {
  readonly ruleId: string;
  readonly at?: string;
  readonly reason: string;
}

/** Accepted by every service. */
export const NO_LICENSE_WARNING: AcceptedLintWarning = {
  ruleId: 'info-license',
  reason: 'the services are licensed to nobody (package.json: UNLICENSED): there is no license to name',
};

/** Problems as one readable line each ("error operation-summary at #/paths/...: message"), for failing assertions. */
export function lintReport(problems: readonly NormalizedProblem[]): string[] {
  return problems.map(
    (problem) => `${problem.severity} ${problem.ruleId} at ${pointerOf(problem)}: ${problem.message}`,
  );
}

export function lintErrors(problems: readonly NormalizedProblem[]): NormalizedProblem[] {
  return problems.filter((problem) => problem.severity === 'error');
}

/** Warnings no acceptance covers. */
export function unacceptedLintWarnings(
  problems: readonly NormalizedProblem[],
  accepted: readonly AcceptedLintWarning[],
): NormalizedProblem[] {
  return problems.filter(
    (problem) => problem.severity === 'warn' && !accepted.some((warning) => covers(warning, problem)),
  );
}

/** Acceptances no warning needs any more: they go, so that the list says what the document still lacks. */
export function staleAcceptances(
  problems: readonly NormalizedProblem[],
  accepted: readonly AcceptedLintWarning[],
): AcceptedLintWarning[] {
  return accepted.filter((warning) => !problems.some((problem) => covers(warning, problem)));
}

function covers(warning: AcceptedLintWarning, problem: NormalizedProblem): boolean {
  return warning.ruleId === problem.ruleId && (warning.at === undefined || pointerOf(problem).startsWith(warning.at));
}

function pointerOf(problem: NormalizedProblem): string {
  return problem.location[0]?.pointer ?? '?';
}

type Schema = Readonly<Record<string, unknown>>;

interface ResponseShape {
  readonly description?: string;
  readonly content?: Readonly<Record<string, { readonly schema?: Schema }>>;
}

interface ParameterShape {
  readonly name: string;
  readonly schema?: Schema;
}

export interface DocumentedOperation {
  /** "POST /v1/requests" */
  readonly name: string;
  readonly parameters: readonly ParameterShape[];
  readonly responses: Readonly<Record<string, ResponseShape>>;
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
}

export function operationsOf(document: OpenAPIObject): DocumentedOperation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((method) => {
      const operation = item[method];
      if (!operation) return [];
      return [
        {
          name: `${method.toUpperCase()} ${path}`,
          parameters: (operation.parameters ?? []) as ParameterShape[],
          responses: operation.responses as Record<string, ResponseShape>,
          ...(operation.security ? { security: operation.security } : {}),
        },
      ];
    }),
  );
}

/** The security of each operation, by name. */
export function securityByOperation(document: OpenAPIObject): Record<string, DocumentedOperation['security']> {
  return Object.fromEntries(operationsOf(document).map((operation) => [operation.name, operation.security]));
}

const PROBLEM_REF = `#/components/schemas/${ProblemView.name}`;

/** A 4xx answered with the shared problem+json schema. */
export function hasProblemResponse(operation: DocumentedOperation): boolean {
  return Object.entries(operation.responses).some(
    ([status, response]) =>
      /^4\d\d$/.test(status) && response.content?.[PROBLEM_CONTENT_TYPE]?.schema?.['$ref'] === PROBLEM_REF,
  );
}

/** A 2xx whose body has a schema that says more than "an object". */
export function hasSuccessSchema(operation: DocumentedOperation): boolean {
  return Object.entries(operation.responses).some(
    ([status, response]) =>
      /^2\d\d$/.test(status) &&
      Object.values(response.content ?? {}).some((media) => media.schema !== undefined && !isVague(media.schema)),
  );
}

/** Error responses not in the shared problem+json shape: "GET /v1/x 404". */
export function errorResponsesOffProblemSchema(document: OpenAPIObject): string[] {
  return operationsOf(document).flatMap((operation) =>
    Object.entries(operation.responses)
      .filter(([status]) => /^[45]\d\d$/.test(status))
      .filter(([, response]) => {
        const media = Object.entries(response.content ?? {});
        return (
          media.length !== 1 || media[0]?.[0] !== PROBLEM_CONTENT_TYPE || media[0][1].schema?.['$ref'] !== PROBLEM_REF
        );
      })
      .map(([status]) => `${operation.name} ${status}`),
  );
}

/**
 * Schema properties and parameters that give no type ("#/components/schemas/X/properties/y"). A
 * property typed `T | null` without an explicit `type` is one: its design type is Object under SWC
 * (the tests) and T under tsc (the build), so the document served would differ from the one tested.
 */
export function untypedSchemas(document: OpenAPIObject): string[] {
  const properties = Object.entries(document.components?.schemas ?? {}).flatMap(([name, schema]) =>
    Object.entries((schema as Schema)['properties'] ?? {}).flatMap(([property, value]) =>
      isVague(value as Schema) ? [`#/components/schemas/${name}/properties/${property}`] : [],
    ),
  );
  const parameters = operationsOf(document).flatMap(({ name, parameters }) =>
    parameters.flatMap((parameter) =>
      parameter.schema === undefined || isVague(parameter.schema) ? [`${name} parameter ${parameter.name}`] : [],
    ),
  );
  return [...properties, ...parameters];
}

const SCHEMA_SHAPES = ['$ref', 'allOf', 'oneOf', 'anyOf', 'enum', 'properties', 'additionalProperties', 'items'];

function isVague(schema: Schema): boolean {
  if (SCHEMA_SHAPES.some((key) => key in schema)) return false;
  const type = schema['type'];
  return type === undefined || type === 'object';
}
