import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { ValidationError } from 'class-validator';
import { payloadCheck } from './payload-check.js';

export interface FieldError {
  /** Dotted path of the offending field; empty for the whole value. */
  readonly field: string;
  /** Stable machine-readable code (the class-validator constraint name or one of ours). */
  readonly code: string;
  readonly message: string;
}

export type ValidationResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: FieldError[] };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_NESTING_DEPTH = 6;

/** Structural checks that must run before any object is handed to class-transformer. */
function inspectStructure(value: unknown, path: string, depth: number, errors: FieldError[]): void {
  if (typeof value === 'string') {
    if (!value.isWellFormed())
      errors.push({ field: path, code: 'malformedString', message: 'the text holds a lone UTF-16 surrogate' });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth > MAX_NESTING_DEPTH) {
    errors.push({ field: path, code: 'tooDeep', message: `nesting deeper than ${MAX_NESTING_DEPTH} levels` });
    return;
  }
  for (const key of Object.keys(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) {
      errors.push({ field: childPath, code: 'forbiddenKey', message: `property name ${key} is not allowed` });
      continue;
    }
    inspectStructure((value as Record<string, unknown>)[key], childPath, depth + 1, errors);
  }
}

function flatten(errors: readonly ValidationError[], parent: string, into: FieldError[]): void {
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const [code, message] of Object.entries(error.constraints ?? {})) {
      into.push({
        field,
        code: code === 'whitelistValidation' ? 'unknownField' : code,
        message: code === 'whitelistValidation' ? `property ${field} is not allowed` : message,
      });
    }
    if (error.children && error.children.length > 0) flatten(error.children, field, into);
  }
}

/**
 * Validates an untrusted value against a payload class: unknown fields are refused, nested objects
 * are validated, and every error is reported (not only the first).
 */
export function validatePayload<T extends object>(type: new () => T, value: unknown): ValidationResult<T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errors: [{ field: '', code: 'notAnObject', message: 'the value must be a JSON object' }] };
  }
  const structural: FieldError[] = [];
  inspectStructure(value, '', 1, structural);
  if (structural.length > 0) return { ok: false, errors: structural };

  if (payloadCheck(type)(value)) return { ok: true, value: toInstance(type, value) };
  return validateWithClassValidator(type, value);
}

function toInstance<T extends object>(type: new () => T, value: object): T {
  return plainToInstance(type, value, { enableImplicitConversion: false, exposeDefaultValues: false });
}

/** The full validation, with every error; `validatePayload` runs it when the fast check is not sure. Exported for tests. */
export function validateWithClassValidator<T extends object>(type: new () => T, value: object): ValidationResult<T> {
  const instance = toInstance(type, value);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) {
    const flat: FieldError[] = [];
    flatten(errors, '', flat);
    return { ok: false, errors: flat };
  }
  return { ok: true, value: instance };
}

/**
 * `validatePayload` for callers that keep the value as it came (e.g. to store it): the same
 * verdict and errors, but a valid value is returned as is, without building class instances.
 */
export function checkPayload<T extends object>(type: new () => T, value: unknown): ValidationResult<T> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const structural: FieldError[] = [];
    inspectStructure(value, '', 1, structural);
    // The value has the class's shape: every property the class declares was checked, none other is there.
    if (structural.length === 0 && payloadCheck(type)(value)) return { ok: true, value: value as T };
  }
  return validatePayload(type, value);
}

/**
 * Parses a Kafka record value or HTTP body text as JSON, reporting a field error instead of
 * throwing. The error names a position, never a snippet: V8's messages quote the text around the
 * fault, which may be someone's name or address, and these errors are stored, logged and exported.
 */
export function parseJson(text: string): ValidationResult<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, errors: [{ field: '', code: 'invalidJson', message: jsonErrorMessage(error, text.length) }] };
  }
}

/** `not valid JSON at position N`, from a JSON.parse error, without any of the parsed text. */
export function jsonErrorMessage(error: unknown, length: number): string {
  const message = error instanceof Error ? error.message : '';
  const position = /\bposition (\d+)/.exec(message)?.[1];
  if (position !== undefined) return `not valid JSON at position ${position}`;
  if (/end of (JSON )?input|Unterminated/i.test(message))
    return `not valid JSON: the text ends early (length ${length})`;
  return 'not valid JSON';
}

/**
 * The value with every `null` property of its objects removed, at any depth: in the bodies and
 * records the outside world sends, an optional field given as `null` means the field is absent.
 * A required field given as `null` is then reported missing. Arrays and other values are kept.
 */
export function withoutNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    // defineProperty: a "__proto__" key stays a plain property, for the structural check to refuse.
    if (child !== null)
      Object.defineProperty(result, key, {
        value: withoutNulls(child),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return result;
}
