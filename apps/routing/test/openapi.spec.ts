import { NO_LICENSE_WARNING, checkOpenApiDocument, securityByOperation } from '#testing';
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
    const document = checkOpenApiDocument({
      module: () => RoutingModule.forRoot(loadRoutingConfig({ NODE_ENV: 'development' }), loadRuleSet()),
      info: {
        title: 'Routing',
        description: 'Explainable routing rules and previews',
        version: '1',
      },
      operations: ['GET /v1/rules', 'POST /v1/routing/preview'],
      acceptedWarnings: ACCEPTED_WARNINGS,
      withoutClientErrors: Object.keys(WITHOUT_CLIENT_ERRORS),
    });

    it('leaves the rules public and asks a bearer token for the preview', () => {
      expect(securityByOperation(document())).toEqual({
        'GET /v1/rules': [{}],
        'POST /v1/routing/preview': [{ bearer: [] }],
      });
      expect(Object.keys(document().components?.securitySchemes ?? {})).toEqual(['bearer']);
    });
  });
});
