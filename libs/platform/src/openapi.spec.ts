import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Public, Roles } from './auth/auth.guard.js';
import { buildOpenApiDocument } from './openapi.js';

@Controller()
class DocumentedController {
  @Get('open')
  @Public()
  open(): string {
    return 'open';
  }

  @Get('staff')
  @Roles('agent')
  staff(): string {
    return 'staff';
  }
}

@Module({ controllers: [DocumentedController] })
class DocumentedModule {}

describe(buildOpenApiDocument.name, () => {
  let sut: OpenAPIObject;

  beforeAll(async () => {
    const app = await NestFactory.create<NestFastifyApplication>(DocumentedModule, new FastifyAdapter(), {
      logger: false,
      abortOnError: false,
    });
    sut = buildOpenApiDocument(app, { title: 'Documented', description: 'a test service', version: '1' });
    await app.close();
  });

  it('states anonymous access on a @Public route', () => {
    expect(sut.paths['/open']?.get?.security).toEqual([{}]);
  });

  it('asks a bearer token on a @Roles route, and documents its 401 and 403 as problems', () => {
    const operation = sut.paths['/staff']?.get;

    expect(operation?.security).toEqual([{ bearer: [] }]);
    expect(operation?.responses['401']).toMatchObject({ content: { 'application/problem+json': {} } });
    expect(operation?.responses['403']).toMatchObject({
      description: 'the token lacks the role agent',
      content: { 'application/problem+json': {} },
    });
  });

  it('offers only the security schemes some route accepts', () => {
    expect(Object.keys(sut.components?.securitySchemes ?? {})).toEqual(['bearer']);
  });

  it('serves the paths from the host that serves the document', () => {
    expect(sut.servers).toEqual([{ url: '/', description: 'this service' }]);
  });
});
