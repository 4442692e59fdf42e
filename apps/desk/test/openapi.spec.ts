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
import { loadDeskConfig } from '../src/desk.config.js';
import { DeskModule } from '../src/desk.module.js';

/** Warnings of Redocly's recommended rules that desk's document keeps, each with its reason. */
const ACCEPTED_WARNINGS: readonly AcceptedLintWarning[] = [NO_LICENSE_WARNING];

const OPERATIONS = [
  'GET /v1/desk/queues/{queue}/tickets',
  'GET /v1/desk/tickets',
  'GET /v1/desk/tickets/{ticketId}',
  'POST /v1/desk/tickets/{ticketId}/claim',
  'POST /v1/desk/tickets/{ticketId}/reply',
  'POST /v1/desk/tickets/{ticketId}/resolve',
  'POST /v1/desk/tickets/{ticketId}/reopen',
  'POST /v1/desk/tickets/{ticketId}/assign',
  'GET /v1/desk/stream',
  'PUT /v1/desk/agents/me',
  'GET /v1/desk/agents',
];

describe(DeskModule.name, () => {
  describe('OpenAPI document', () => {
    let sut: OpenAPIObject;
    let problems: NormalizedProblem[];

    beforeAll(async () => {
      sut = await openApiDocumentOf(DeskModule.forRoot(loadDeskConfig({ NODE_ENV: 'development' })), {
        title: 'Desk',
        description: 'Where agents, PSMs and team leads work the queues: tickets, conversations, live events',
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

      expect(operations.map(({ name }) => name).sort()).toEqual([...OPERATIONS].sort());
      expect(operations.filter((operation) => !hasSuccessSchema(operation)).map(({ name }) => name)).toEqual([]);
      expect(operations.filter((operation) => !hasProblemResponse(operation)).map(({ name }) => name)).toEqual([]);
      expect(errorResponsesOffProblemSchema(sut)).toEqual([]);
    });

    it('asks a bearer token on every operation', () => {
      expect(Object.values(securityByOperation(sut))).toEqual(OPERATIONS.map(() => [{ bearer: [] }]));
    });

    it('gives a type to every schema property and parameter', () => {
      expect(untypedSchemas(sut)).toEqual([]);
    });
  });
});
