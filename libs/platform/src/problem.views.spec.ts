import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { ApiProblems, ProblemView } from './problem.views.js';

@Controller('things')
@ApiProblems(401)
class ThingsController {
  @Get()
  @ApiProblems(400, { status: 409, description: 'the thing changed meanwhile' }, 503)
  list(): string[] {
    return [];
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe(ApiProblems.name, () => {
  let sut: OpenAPIObject;

  beforeAll(async () => {
    const app = await NestFactory.create<NestFastifyApplication>(ThingsModule, new FastifyAdapter(), {
      logger: false,
      abortOnError: false,
    });
    sut = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    await app.close();
  });

  it('documents one problem+json response per status, with the shared schema', () => {
    const responses = sut.paths['/things']?.get?.responses ?? {};

    expect(Object.keys(responses)).toEqual(['400', '401', '409', '503']);
    for (const status of ['400', '401', '409', '503']) {
      expect(responses[status]).toMatchObject({
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemView' } } },
      });
    }
  });

  it("says what a status means, by default or in the route's words", () => {
    const responses = sut.paths['/things']?.get?.responses ?? {};

    expect(responses['400']).toMatchObject({
      description: 'invalid request: the field errors say which fields and why',
    });
    expect(responses['409']).toMatchObject({ description: 'the thing changed meanwhile' });
  });

  it('names the Retry-After header of a 503', () => {
    expect(sut.paths['/things']?.get?.responses['503']).toMatchObject({
      headers: { 'Retry-After': { schema: { type: 'integer' } } },
    });
  });

  it('puts the problem schema, with its field errors, in the components', () => {
    expect(sut.components?.schemas?.[ProblemView.name]).toMatchObject({
      required: ['type', 'title', 'status', 'code'],
      properties: { errors: { type: 'array', items: { $ref: '#/components/schemas/FieldErrorView' } } },
    });
  });
});
