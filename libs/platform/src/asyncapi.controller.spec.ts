import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { TOPIC_CATALOGUE } from '#contracts';
import { AsyncApiController } from './asyncapi.controller.js';
import { PlatformModule } from './platform.module.js';

describe(AsyncApiController.name, () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(
      PlatformModule.forRoot({ service: 'routing', indicators: [] }),
      new FastifyAdapter(),
      { logger: false, abortOnError: false },
    );
    // Over loopback HTTP: Fastify's inject() loads an ES module that jest cannot require.
    await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await app.close();
  });

  it("serves the service's AsyncAPI document at /asyncapi.json", async () => {
    const response = await fetch(`${await app.getUrl()}/asyncapi.json`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const sut = (await response.json()) as { asyncapi: string; info: { title: string }; channels: object };
    expect(sut.asyncapi).toBe('3.0.0');
    expect(sut.info.title).toContain('routing');
    expect(Object.keys(sut.channels)).toHaveLength(TOPIC_CATALOGUE.length + 1);
  });

  it('stays out of the OpenAPI document, as the health endpoints do', () => {
    const openApi = SwaggerModule.createDocument(app, new DocumentBuilder().build());

    expect(Object.keys(openApi.paths)).not.toContain('/asyncapi.json');
  });
});
