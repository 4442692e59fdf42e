import { NO_LICENSE_WARNING, checkOpenApiDocument, securityByOperation } from '#testing';
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
    const document = checkOpenApiDocument({
      module: () => DeskModule.forRoot(loadDeskConfig({ NODE_ENV: 'development' })),
      info: {
        title: 'Desk',
        description: 'Where agents, PSMs and team leads work the queues: tickets, conversations, live events',
        version: '1',
      },
      operations: OPERATIONS,
      acceptedWarnings: ACCEPTED_WARNINGS,
    });

    it('asks a bearer token on every operation', () => {
      expect(Object.values(securityByOperation(document()))).toEqual(OPERATIONS.map(() => [{ bearer: [] }]));
    });
  });
});
