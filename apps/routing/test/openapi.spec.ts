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
import { loadRoutingConfig } from '../src/routing.config.js';
import { RoutingModule } from '../src/routing.module.js';
import { loadRuleSet } from '#rules';

/** Operations that answer no 4xx at all, and why (each also accepts the linter's warning below). */
const WITHOUT_CLIENT_ERRORS: Readonly<Record<string, string>> = {
  'GET /v1/rules': 'public, with no parameter and no body: nothing a caller sends can be wrong',
};

/** Warnings of Redocly's recommended rules that routing's document keeps, each with its reason. */
const ACCEPTED_WARNINGS: readonly AcceptedLintWarning[] = [
  NO_LICENSE_WARNING,
  {
    ruleId: 'operation-4xx-response',
    at: '#/paths/~1v1~1rules/get',
    reason: `${WITHOUT_CLIENT_ERRORS['GET /v1/rules']}; a 4xx documented for it would be one it never answers`,
  },
];

describe(RoutingModule.name, () => {
  describe('OpenAPI document', () => {
    let sut: OpenAPIObject;
    let problems: NormalizedProblem[];

    beforeAll(async () => {
      sut = await openApiDocumentOf(
        RoutingModule.forRoot(loadRoutingConfig({ NODE_ENV: 'development' }), loadRuleSet()),
        {
          title: 'Routing',
          description: 'Explainable routing rules and previews',
          version: '1',
        },
      );
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

      expect(operations.map(({ name }) => name)).toEqual(['GET /v1/rules', 'POST /v1/routing/preview']);
      expect(operations.filter((operation) => !hasSuccessSchema(operation)).map(({ name }) => name)).toEqual([]);
      expect(
        operations
          .filter((operation) => !hasProblemResponse(operation))
          .map(({ name }) => name)
          .filter((name) => !(name in WITHOUT_CLIENT_ERRORS)),
      ).toEqual([]);
      expect(errorResponsesOffProblemSchema(sut)).toEqual([]);
    });

    it('leaves the rules public and asks a bearer token for the preview', () => {
      expect(securityByOperation(sut)).toEqual({
        'GET /v1/rules': [{}],
        'POST /v1/routing/preview': [{ bearer: [] }],
      });
      expect(Object.keys(sut.components?.securitySchemes ?? {})).toEqual(['bearer']);
    });

    it('gives a type to every schema property and parameter', () => {
      expect(untypedSchemas(sut)).toEqual([]);
    });
  });
});
