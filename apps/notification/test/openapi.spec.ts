import { NO_LICENSE_WARNING, checkOpenApiDocument, operationsOf, securityByOperation } from '#testing';
import type { AcceptedLintWarning } from '#testing';
import { loadNotificationConfig } from '../src/notification.config.js';
import { NotificationModule } from '../src/notification.module.js';

/** Warnings of Redocly's recommended rules that notification's document keeps, each with its reason. */
const ACCEPTED_WARNINGS: readonly AcceptedLintWarning[] = [NO_LICENSE_WARNING];

describe(NotificationModule.name, () => {
  describe('OpenAPI document', () => {
    const document = checkOpenApiDocument({
      module: () => NotificationModule.forRoot(loadNotificationConfig({ NODE_ENV: 'development' })),
      info: {
        title: 'Notification',
        description: 'Notifications to requesters, PSMs, support and the phone desk; phone-desk alerts',
        version: '1',
      },
      operations: ['GET /v1/alerts', 'POST /v1/alerts/{alertId}/ack'],
      acceptedWarnings: ACCEPTED_WARNINGS,
    });

    it('documents the 409 of an alert another operator acknowledged first', () => {
      const acknowledge = operationsOf(document()).find(({ name }) => name === 'POST /v1/alerts/{alertId}/ack');

      expect(Object.keys(acknowledge?.responses ?? {})).toEqual(['200', '401', '403', '404', '409']);
    });

    it('asks a bearer token on every operation', () => {
      expect(securityByOperation(document())).toEqual({
        'GET /v1/alerts': [{ bearer: [] }],
        'POST /v1/alerts/{alertId}/ack': [{ bearer: [] }],
      });
    });
  });
});
