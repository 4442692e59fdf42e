import type { OpenAPIObject } from '@nestjs/swagger';
import type { NormalizedProblem } from '@redocly/openapi-core';
import {
  NO_LICENSE_WARNING,
  errorResponsesOffProblemSchema,
  hasProblemResponse,
  hasSuccessSchema,
  lintErrors,
  lintOpenApi,
  lintReport,
  openApiDocumentOf,
  operationsOf,
  securityByOperation,
  staleAcceptances,
  unacceptedLintWarnings,
  untypedSchemas,
} from '#testing';
import type { AcceptedLintWarning } from '#testing';
import { loadIntakeConfig } from '../src/intake.config.js';
import { IntakeModule } from '../src/intake.module.js';

/** Warnings of Redocly's recommended rules that intake's document keeps, each with its reason. */
const ACCEPTED_WARNINGS: readonly AcceptedLintWarning[] = [NO_LICENSE_WARNING];

describe(IntakeModule.name, () => {
  describe('OpenAPI document', () => {
    let sut: OpenAPIObject;
    let problems: NormalizedProblem[];

    beforeAll(async () => {
      sut = await openApiDocumentOf(IntakeModule.forRoot(loadIntakeConfig({ NODE_ENV: 'development' })), {
        title: 'Intake',
        description: 'The front door for chat, support form, phone desk and email requests',
        version: '1',
      });
      problems = await lintOpenApi(sut);
    });

    it("has no error under Redocly's recommended rules", () => {
      expect(lintReport(lintErrors(problems))).toEqual([]);
    });

    it('has no warning but those accepted, and every acceptance is still needed', () => {
      expect(lintReport(unacceptedLintWarnings(problems, ACCEPTED_WARNINGS))).toEqual([]);
      expect(staleAcceptances(problems, ACCEPTED_WARNINGS)).toEqual([]);
    });

    it('documents on every operation a 2xx body schema, and its errors as problem+json', () => {
      const operations = operationsOf(sut);

      expect(operations.map((operation) => operation.name)).toEqual(['POST /v1/requests']);
      expect(operations.filter((operation) => !hasSuccessSchema(operation)).map(({ name }) => name)).toEqual([]);
      expect(operations.filter((operation) => !hasProblemResponse(operation)).map(({ name }) => name)).toEqual([]);
      expect(errorResponsesOffProblemSchema(sut)).toEqual([]);
    });

    it('documents every error POST /v1/requests can answer', () => {
      const [operation] = operationsOf(sut);

      expect(Object.keys(operation?.responses ?? {})).toEqual([
        '202',
        '400',
        '401',
        '403',
        '404',
        '413',
        '415',
        '422',
        '429',
        '503',
      ]);
    });

    it('accepts on POST /v1/requests a user bearer token or an upstream API key, either one', () => {
      expect(securityByOperation(sut)).toEqual({ 'POST /v1/requests': [{ 'api-key': [] }, { bearer: [] }] });
      expect(Object.keys(sut.components?.securitySchemes ?? {}).sort()).toEqual(['api-key', 'bearer']);
    });

    it('gives a type to every schema property and parameter', () => {
      expect(untypedSchemas(sut)).toEqual([]);
    });
  });
});
