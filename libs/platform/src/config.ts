import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads environment variables into a validated config class: the class's property names are the
 * variable names and its initialisers are the defaults. Every problem is reported at once.
 */
export function loadConfig<T extends object>(type: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const defaults = new type();
  const source: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    const fallback = (defaults as Record<string, unknown>)[key];
    source[key] = value === undefined || value === '' ? fallback : coerce(value, fallback);
  }
  const config = plainToInstance(type, source);
  const errors = validateSync(config, { whitelist: false, validationError: { target: false, value: false } });
  if (errors.length > 0) {
    throw new ConfigError(errors.flatMap((error) => Object.values(error.constraints ?? {}).map((message) => `${error.property}: ${message}`)));
  }
  return config;
}

/** Environment values are text; the default's type says what the text must become. */
function coerce(value: string, fallback: unknown): unknown {
  if (typeof fallback === 'number') return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof fallback === 'boolean') {
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
  }
  return value;
}
