import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** `NODE_ENV=development` must be explicit; any other value is production, and no value is refused. */
export const NODE_ENV_REQUIRED =
  'NODE_ENV: not set; set NODE_ENV=production for a deployment, or NODE_ENV=development for the development secrets and keys (npm start and npm test do)';

export function isDevelopment(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV?.trim() === 'development';
}

type DefaultValue = string | number | boolean;

const developmentDefaults = new WeakMap<object, Map<string, DefaultValue>>();

/**
 * The value a setting takes in development when it is not set. The property's initialiser stays
 * the production default (usually empty, which the validators then refuse), so a public
 * development secret can never be picked up by a deployment that forgot a setting.
 */
export function DevelopmentDefault(value: DefaultValue): PropertyDecorator {
  return (target, property) => {
    const own = developmentDefaults.get(target) ?? new Map<string, DefaultValue>();
    own.set(String(property), value);
    developmentDefaults.set(target, own);
  };
}

/** The value `@DevelopmentDefault` gives a setting of this config instance's class, if any. */
export function developmentDefaultOf(instance: object, key: string): DefaultValue | undefined {
  for (
    let prototype = Object.getPrototypeOf(instance) as object | null;
    prototype !== null;
    prototype = Object.getPrototypeOf(prototype) as object | null
  ) {
    const value = developmentDefaults.get(prototype)?.get(key);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * A config class may add checks the decorators cannot express (settings that depend on each other,
 * production rules). They run on values that may have failed their own validation: they must not throw.
 */
interface CrossChecked {
  crossCheck(): string[];
}

function isCrossChecked(value: object): value is CrossChecked {
  return typeof (value as Partial<CrossChecked>).crossCheck === 'function';
}

/**
 * Reads environment variables into a validated config class: the class's property names are the
 * variable names and its initialisers are the defaults (`@DevelopmentDefault` ones apply only with
 * NODE_ENV=development). A class with a NODE_ENV property refuses an unset NODE_ENV. Every problem
 * is reported at once, including those of the class's `crossCheck()`.
 */
export function loadConfig<T extends object>(type: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const defaults = new type();
  const development = isDevelopment(env);
  // Nothing else is worth reporting before this: which rules apply depends on it.
  if ('NODE_ENV' in defaults && (env.NODE_ENV ?? '').trim() === '') throw new ConfigError([NODE_ENV_REQUIRED]);
  const source: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    const developmentValue = development ? developmentDefaultOf(defaults, key) : undefined;
    const fallback = developmentValue ?? (defaults as Record<string, unknown>)[key];
    source[key] = value === undefined || value === '' ? fallback : coerce(value, fallback);
  }
  const config = plainToInstance(type, source);
  const errors = validateSync(config, { whitelist: false, validationError: { target: false, value: false } });
  const problems = errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => `${error.property}: ${message}`),
  );
  // Also when a setting failed its own validation: one start-up attempt shows every problem.
  if (isCrossChecked(config)) problems.push(...config.crossCheck());
  if (problems.length > 0) throw new ConfigError(problems);
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
