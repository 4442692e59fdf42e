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
import { loadHistoryConfig } from '../src/history.config.js';
import { HistoryModule } from '../src/history.module.js';

/** Warnings of Redocly's recommended rules that history's document keeps, each with its reason. */
const ACCEPTED_WARNINGS: readonly AcceptedLintWarning[] = [NO_LICENSE_WARNING];

const OPERATIONS = [
  'GET /v1/tickets',
  'GET /v1/tickets/{ticketId}',
  'GET /v1/stats',
  'GET /v1/audit/verify',
  'GET /v1/export',
  'DELETE /v1/subjects/{subjectId}',
];

describe(HistoryModule.name, () => {
  describe('OpenAPI document', () => {
    let sut: OpenAPIObject;
    let problems: NormalizedProblem[];

    beforeAll(async () => {
      sut = await openApiDocumentOf(HistoryModule.forRoot(loadHistoryConfig({ NODE_ENV: 'development' })), {
        title: 'History',
        description: 'Tamper-evident audit history of every support ticket event',
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

      expect(operations.map(({ name }) => name)).toEqual(OPERATIONS);
      expect(operations.filter((operation) => !hasSuccessSchema(operation)).map(({ name }) => name)).toEqual([]);
      expect(operations.filter((operation) => !hasProblemResponse(operation)).map(({ name }) => name)).toEqual([]);
      expect(errorResponsesOffProblemSchema(sut)).toEqual([]);
    });

    it('documents the erasure outcome, and its 404 and 503 (Kafka unavailable, nothing erased)', () => {
      const erase = operationsOf(sut).find(({ name }) => name === 'DELETE /v1/subjects/{subjectId}');

      expect(Object.keys(erase?.responses ?? {})).toEqual(['200', '400', '401', '403', '404', '503']);
      expect(erase?.responses['200']?.content?.['application/json']?.schema).toEqual({
        $ref: '#/components/schemas/ErasureOutcomeView',
      });
    });

    it('documents the ticket search filters, reference and request id included, and the next-response due time', () => {
      const search = operationsOf(sut).find(({ name }) => name === 'GET /v1/tickets');
      const ticketView = sut.components?.schemas?.['TicketView'] as
        { properties?: Record<string, unknown> } | undefined;

      expect(search?.parameters.map((parameter) => parameter.name)).toEqual(
        expect.arrayContaining(['reference', 'requestId', 'status', 'slaBreached']),
      );
      const reference = search?.parameters.find((parameter) => parameter.name === 'reference')?.schema as
        { pattern?: unknown } | undefined;
      expect(typeof reference?.pattern).toBe('string');
      expect(Object.keys(ticketView?.properties ?? {})).toEqual(
        expect.arrayContaining(['firstResponseAt', 'nextResponseDueAt', 'slaBreached']),
      );
    });

    it('asks a bearer token on every operation', () => {
      expect(securityByOperation(sut)).toEqual(
        Object.fromEntries(OPERATIONS.map((operation) => [operation, [{ bearer: [] }]])),
      );
    });

    it('gives a type to every schema property and parameter', () => {
      expect(untypedSchemas(sut)).toEqual([]);
    });
  });
});
