import { Controller, Get, HttpCode, Inject, Injectable, Logger, Res } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { register } from 'prom-client';
import { Public } from './auth/auth.guard.js';
import { messageOf } from '#kafka';

/** Something readiness depends on (Kafka, PostgreSQL, the consumer). */
export interface HealthIndicator {
  readonly name: string;
  /** Resolves when healthy; rejects with a short reason otherwise. */
  check(): Promise<void>;
}

export const HEALTH_INDICATORS = Symbol('HEALTH_INDICATORS');
export type HealthIndicatorTokens = readonly (new (...args: never[]) => HealthIndicator)[];

export interface ReadinessReport {
  readonly status: 'ok' | 'unavailable';
  /** Up or down per dependency; why one is down goes to the log, never to the (unauthenticated) answer. */
  readonly checks: Record<string, { status: 'up' | 'down' }>;
}

@Injectable()
export class HealthService {
  private readonly logger = new Logger(HealthService.name);

  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(HEALTH_INDICATORS) private readonly tokens: HealthIndicatorTokens,
  ) {}

  async readiness(timeoutMs = 2_000): Promise<ReadinessReport> {
    const checks: ReadinessReport['checks'] = {};
    await Promise.all(
      this.tokens.map(async (token) => {
        const indicator = this.moduleRef.get(token, { strict: false });
        try {
          await withDeadline(indicator.check(), timeoutMs);
          checks[indicator.name] = { status: 'up' };
        } catch (error) {
          checks[indicator.name] = { status: 'down' };
          this.logger.warn(`not ready: ${indicator.name}: ${messageOf(error)}`);
        }
      }),
    );
    const status = Object.values(checks).every((check) => check.status === 'up') ? 'ok' : 'unavailable';
    return { status, checks };
  }
}

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('health/live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    reply.status(report.status === 'ok' ? 200 : 503);
    return report;
  }

  @Get('metrics')
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', register.contentType);
    return register.metrics();
  }
}

async function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
