import type { LoggerService, LogLevel } from '@nestjs/common';
import { pino } from 'pino';
import { currentTrace, traceIdOf } from '#kafka';
import type { Logger as Pino } from 'pino';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

/**
 * Nest logger writing one JSON line per entry through pino, with the service name and the Nest
 * context on every line. Callers log ids and codes, never names, emails or free text.
 */
export class JsonLogger implements LoggerService {
  private readonly pino: Pino;

  constructor(service: string, level: string = process.env.LOG_LEVEL ?? 'info') {
    this.pino = pino({ base: { service }, level, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'msg' });
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    const method = LEVELS[level];
    if (!this.pino.isLevelEnabled(method)) return;
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    // The request or event being handled: one grep follows a ticket through the four services.
    const trace = currentTrace();
    if (trace?.correlationId) fields.correlationId = trace.correlationId;
    const traceId = traceIdOf(trace?.traceparent);
    if (traceId) fields.traceId = traceId;
    if (message instanceof Error) {
      fields.err = { type: message.name, message: message.message, stack: message.stack };
      this.pino[method](fields, message.message);
      return;
    }
    if (level === 'error' && typeof rest[0] === 'string' && rest.length > 1) fields.stack = rest[0];
    if (typeof message === 'object' && message !== null) {
      this.pino[method]({ ...fields, ...(message as Record<string, unknown>) });
      return;
    }
    this.pino[method](fields, String(message));
  }
}
