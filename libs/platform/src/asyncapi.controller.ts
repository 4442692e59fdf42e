import { Controller, Get, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { AsyncApiDocument } from './asyncapi.js';
import { Public } from './auth/auth.guard.js';

/** The AsyncAPI document of the service, built once when the module starts. */
export const ASYNCAPI_DOCUMENT = Symbol('ASYNCAPI_DOCUMENT');

/**
 * Public, as the health endpoints are: the event contract holds no secret, and what reads it
 * (schema registries, catalogues, code generators) comes without credentials.
 */
@ApiExcludeController()
@Public()
@Controller()
export class AsyncApiController {
  constructor(@Inject(ASYNCAPI_DOCUMENT) private readonly document: AsyncApiDocument) {}

  @Get('asyncapi.json')
  asyncApi(): AsyncApiDocument {
    return this.document;
  }
}
