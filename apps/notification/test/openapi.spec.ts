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
import { loadNotificationConfig } from '../src/notification.config.js';
import { NotificationModule } from '../src/notification.module.js';

/** Warnings of Redocly's recommended rules that notification's document keeps, each with its reason. */
const ACCEPTED_WARNINGS: readonly AcceptedLintWarning[] = [NO_LICENSE_WARNING];

describe(NotificationModule.name, () => {
  describe('OpenAPI document', () => {
    let sut: OpenAPIObject;
    let problems: NormalizedProblem[];

    beforeAll(async () => {
      sut = await openApiDocumentOf(NotificationModule.forRoot(loadNotificationConfig({ NODE_ENV: 'development' })), {
        title: 'Notification',
        description: 'Notifications to requesters, PSMs, support and the phone desk; phone-desk alerts',
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

      expect(operations.map(({ name }) => name)).toEqual(['GET /v1/alerts', 'POST /v1/alerts/{alertId}/ack']);
      expect(operations.filter((operation) => !hasSuccessSchema(operation)).map(({ name }) => name)).toEqual([]);
      expect(operations.filter((operation) => !hasProblemResponse(operation)).map(({ name }) => name)).toEqual([]);
      expect(errorResponsesOffProblemSchema(sut)).toEqual([]);
    });

    it('documents the 409 of an alert another operator acknowledged first', () => {
      const acknowledge = operationsOf(sut).find(({ name }) => name === 'POST /v1/alerts/{alertId}/ack');

      expect(Object.keys(acknowledge?.responses ?? {})).toEqual(['200', '401', '403', '404', '409']);
    });

    it('asks a bearer token on every operation', () => {
      expect(securityByOperation(sut)).toEqual({
        'GET /v1/alerts': [{ bearer: [] }],
        'POST /v1/alerts/{alertId}/ack': [{ bearer: [] }],
      });
    });

    it('gives a type to every schema property and parameter', () => {
      expect(untypedSchemas(sut)).toEqual([]);
    });
  });
});
