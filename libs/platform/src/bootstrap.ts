import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { deadLetterTopic, jsonErrorMessage } from '#contracts';
import {
  ConsumerStatus,
  EventPublisher,
  KafkaConsumerServer,
  QuarantinePublisher,
  childTraceparent,
  withTrace,
} from '#kafka';
import type { KafkaConsumerServerOptions } from '#kafka';
import type { Kafka } from 'kafkajs';
import { collectDefaultMetrics, Histogram, register } from 'prom-client';
import { ConfigError } from './config.js';
import { consumerSettings } from './service.config.js';
import type { ServiceConfig } from './service.config.js';
import { isTransientDatabaseError } from './database-errors.js';
import { JsonLogger } from './json.logger.js';
import { KAFKA_CLIENT, TopicProvisioner } from './kafka.module.js';
import { buildOpenApiDocument } from './openapi.js';
import type { OpenApiInfo } from './openapi.js';
import { ApplicationError, PROBLEM_CONTENT_TYPE, ProblemDetailsFilter } from './problem.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const MAX_PATH_PARAMETER_LENGTH = 4_096;

export interface ServiceBootstrapOptions {
  readonly name: string;
  readonly module: DynamicModule;
  /** Its HOST, LOG_LEVEL and consumption settings apply. */
  readonly config: ServiceConfig;
  readonly port: number;
  readonly bodyLimitBytes?: number;
  /** Consumer group of the service, when it consumes, and its consumption settings (unset: the transport's defaults). */
  readonly consumer?: Pick<
    KafkaConsumerServerOptions,
    | 'groupId'
    | 'maxAttempts'
    | 'retryBackoffMs'
    | 'partitionsConsumedConcurrently'
    | 'maxBatchRecords'
    | 'fetchMinBytes'
    | 'fetchMaxWaitMs'
  >;
  readonly openApi?: OpenApiInfo;
  /** Hook for per-service HTTP setup (security headers, extra content types). */
  readonly configure?: (app: NestFastifyApplication) => Promise<void> | void;
}

/**
 * Loads a service's configuration, or stops the process with one line listing every problem
 * (exit code 1) instead of a stack trace: what an operator needs to fix, and nothing else.
 */
export function configOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    new JsonLogger(service).fatal(
      `cannot start: ${error.problems.length} configuration problem(s): ${error.problems.join('; ')}`,
      'Config',
    );
    process.exit(1);
  }
}

const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

/**
 * Starts one service: Fastify HTTP app, problem+json errors, OpenAPI, metrics, the Kafka consumer
 * transport, and graceful shutdown. A consumer that dies for good makes the process exit non-zero
 * after a clean close, so an orchestrator restarts it instead of leaving it silently idle.
 */
export async function bootstrapService(options: ServiceBootstrapOptions): Promise<NestFastifyApplication> {
  const logger = new JsonLogger(options.name, options.config.LOG_LEVEL);
  Logger.overrideLogger(logger);
  routeProcessWarnings(logger);
  collectDefaultMetrics({ register });
  register.setDefaultLabels({ service: options.name });

  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    trustProxy: false,
    // Path parameters such as a data subject's id (an email of up to 320 characters, percent-encoded).
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER_LENGTH },
  });
  const app = await NestFactory.create<NestFastifyApplication>(options.module, adapter, { logger, bufferLogs: true });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  app.useSecurityHeaders({
    // The OpenAPI page is the only HTML served; its stylesheet is inline.
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] },
    },
  });
  app.useBodyParser('application/json', { bodyLimit: options.bodyLimitBytes ?? 64 * 1024 }, strictJsonParser);

  const fastify = app.getHttpAdapter().getInstance();
  // Each request continues the caller's W3C trace (or starts one): its logs and the events it
  // publishes carry it. The rest of the request runs inside done(), hence inside the context.
  fastify.addHook('onRequest', (request, _reply, done) => {
    const incoming = request.headers.traceparent;
    withTrace({ traceparent: childTraceparent(typeof incoming === 'string' ? incoming : undefined) }, done);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  // Only JSON bodies are accepted; anything else is refused before it is parsed.
  fastify.addHook('onRequest', async (request, reply) => {
    if (!BODY_METHODS.has(request.method)) return;
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const hasBody =
      request.headers['content-length'] !== undefined
        ? request.headers['content-length'] !== '0'
        : request.headers['transfer-encoding'] !== undefined;
    if (type === 'application/json' || (!hasBody && type === '')) return;
    await reply
      .status(415)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send({
        type: 'about:blank',
        title: 'Unsupported Media Type',
        status: 415,
        detail: `send application/json, not ${type || 'an untyped body'}`,
        instance: request.url,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      });
  });
  await options.configure?.(app);

  if (options.openApi) {
    const document = buildOpenApiDocument(app, options.openApi);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  }

  await app.get(TopicProvisioner).ensure();
  // Lifecycle hooks (migrations, directories read from Kafka) complete before any record is consumed.
  await app.init();

  if (options.consumer) {
    const consumer = options.consumer;
    const provisioner = app.get(TopicProvisioner);
    const server = new KafkaConsumerServer({
      kafka: app.get<Kafka>(KAFKA_CLIENT),
      publisher: app.get(EventPublisher),
      deadLetters: app.get(QuarantinePublisher),
      dependencyFailure: isTransientDatabaseError,
      status: app.get(ConsumerStatus),
      ensureTopics: (topics) => provisioner.ensure(topics),
      onFatal: (error) => {
        logger.fatal(`consumer failed for good, shutting down: ${error.message}`, 'Bootstrap');
        void app.close().finally(() => process.exit(1));
        setTimeout(() => process.exit(1), 15_000).unref();
      },
      ...consumerSettings(options.config),
      // An unset setting is undefined, which the transport reads as its default.
      ...consumer,
    });
    app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    logger.log(
      `dead-letter topics: ${[...server.getHandlers().keys()].map((topic) => deadLetterTopic(topic, consumer.groupId)).join(', ')}`,
      'Bootstrap',
    );
  }

  const host = options.config.HOST;
  await app.listen({ port: options.port, host });
  logger.log(`${options.name} listening on http://${host}:${options.port}`, 'Bootstrap');
  return app;
}

/**
 * Node's process warnings go to the service log, one JSON line each, instead of stderr. kafkajs
 * 2.2.4 schedules some timers with a negative delay, which Node 24 warns about (kafkajs#1751): the
 * timer fires at once, as kafkajs expects, so that warning is dropped.
 */
function routeProcessWarnings(logger: JsonLogger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    logger.warn(`${warning.name}: ${warning.message}`, 'Process');
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies must be valid UTF-8 (the default parser would silently replace bad bytes) and valid
 * JSON; either failure is a 400 problem, never a 5xx.
 */
function strictJsonParser(_request: unknown, body: Buffer, done: (error: Error | null, value?: unknown) => void): void {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    done(
      new ApplicationError('INVALID_BODY', 400, 'the body is not valid UTF-8', [
        { field: '', code: 'invalidUtf8', message: 'the body is not valid UTF-8' },
      ]),
    );
    return;
  }
  if (text.trim().length === 0) {
    done(
      new ApplicationError('INVALID_BODY', 400, 'the body is empty', [
        { field: '', code: 'emptyBody', message: 'a JSON body is required' },
      ]),
    );
    return;
  }
  try {
    done(null, JSON.parse(text) as unknown);
  } catch (error) {
    const reason = jsonErrorMessage(error, text.length);
    done(
      new ApplicationError('INVALID_BODY', 400, `the body is ${reason}`, [
        { field: '', code: 'invalidJson', message: reason },
      ]),
    );
  }
}
