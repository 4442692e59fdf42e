import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { FieldErrorView, ProblemView } from './problem.views.js';

export interface OpenApiInfo {
  readonly title: string;
  readonly description: string;
  readonly version: string;
}

/** Name of the upstream apps' API key scheme (`X-Api-Key`), for `@ApiSecurity`. */
export const API_KEY_SCHEME = 'api-key';

/**
 * The OpenAPI document of a service's HTTP routes: what bootstrap serves at /docs, and what the
 * OpenAPI lint tests check, built the same way for both.
 */
export function buildOpenApiDocument(app: INestApplication, info: OpenApiInfo): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion(info.version)
    // Relative: the paths are served by whichever host serves the document.
    .addServer('/', 'this service')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, API_KEY_SCHEME)
    .build();
  // ApiProblems refers to ProblemView by $ref: registered here, the reference resolves in every document.
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemView, FieldErrorView] });
  return withoutUnusedSecuritySchemes(document);
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Every service is offered both schemes; its document names only those some route of it accepts. */
function withoutUnusedSecuritySchemes(document: OpenAPIObject): OpenAPIObject {
  const schemes = document.components?.securitySchemes;
  if (!schemes) return document;
  const used = new Set(
    Object.values(document.paths).flatMap((item) =>
      HTTP_METHODS.flatMap((method) => item[method]?.security ?? []).flatMap((requirement) => Object.keys(requirement)),
    ),
  );
  return {
    ...document,
    components: {
      ...document.components,
      securitySchemes: Object.fromEntries(Object.entries(schemes).filter(([name]) => used.has(name))),
    },
  };
}
