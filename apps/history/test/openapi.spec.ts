import { NO_LICENSE_WARNING, checkOpenApiDocument, operationsOf, securityByOperation } from '#testing';
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
    const document = checkOpenApiDocument({
      module: () => HistoryModule.forRoot(loadHistoryConfig({ NODE_ENV: 'development' })),
      info: {
        title: 'History',
        description: 'Tamper-evident audit history of every support ticket event',
        version: '1',
      },
      operations: OPERATIONS,
      acceptedWarnings: ACCEPTED_WARNINGS,
    });

    it('documents the erasure outcome, and its 404 and 503 (Kafka unavailable, nothing erased)', () => {
      const erase = operationsOf(document()).find(({ name }) => name === 'DELETE /v1/subjects/{subjectId}');

      expect(Object.keys(erase?.responses ?? {})).toEqual(['200', '400', '401', '403', '404', '503']);
      expect(erase?.responses['200']?.content?.['application/json']?.schema).toEqual({
        $ref: '#/components/schemas/ErasureOutcomeView',
      });
    });

    it('documents the ticket search filters, reference and request id included, and the next-response due time', () => {
      const search = operationsOf(document()).find(({ name }) => name === 'GET /v1/tickets');
      const ticketView = document().components?.schemas?.['TicketView'] as
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
      expect(securityByOperation(document())).toEqual(
        Object.fromEntries(OPERATIONS.map((operation) => [operation, [{ bearer: [] }]])),
      );
    });
  });
});
