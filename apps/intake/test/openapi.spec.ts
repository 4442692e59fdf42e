import { NO_LICENSE_WARNING, checkOpenApiDocument, operationsOf, securityByOperation } from '#testing';
import type { AcceptedLintWarning } from '#testing';
import { loadIntakeConfig } from '../src/intake.config.js';
import { IntakeModule } from '../src/intake.module.js';

/** Warnings of Redocly's recommended rules that intake's document keeps, each with its reason. */
const ACCEPTED_WARNINGS: readonly AcceptedLintWarning[] = [NO_LICENSE_WARNING];

describe(IntakeModule.name, () => {
  describe('OpenAPI document', () => {
    const document = checkOpenApiDocument({
      module: () => IntakeModule.forRoot(loadIntakeConfig({ NODE_ENV: 'development' })),
      info: {
        title: 'Intake',
        description: 'The front door for chat, support form, phone desk and email requests',
        version: '1',
      },
      operations: ['POST /v1/requests'],
      acceptedWarnings: ACCEPTED_WARNINGS,
    });

    it('documents every error POST /v1/requests can answer', () => {
      const [operation] = operationsOf(document());

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
      expect(securityByOperation(document())).toEqual({ 'POST /v1/requests': [{ 'api-key': [] }, { bearer: [] }] });
      expect(Object.keys(document().components?.securitySchemes ?? {}).sort()).toEqual(['api-key', 'bearer']);
    });
  });
});
