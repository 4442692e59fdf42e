import pg from 'pg';

export type PostgresProbe =
  { readonly ok: true } | { readonly ok: false; readonly missingDatabase: boolean; readonly reason: string };

/** Hides the password of a connection URL before it reaches a log line. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export function databaseOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  return name || 'postgres';
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

function reasonOf(error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  return code && !message.includes(code) ? `${message || 'error'} (${code})` : message || (code ?? 'error');
}

export async function probePostgres(url: string, timeoutMs: number): Promise<PostgresProbe> {
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  } catch (error) {
    return { ok: false, missingDatabase: false, reason: reasonOf(error) };
  }
  // A server that goes away later must not crash the process through an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (error) {
    // 3D000 invalid_catalog_name: the server answers, only the database is missing.
    return { ok: false, missingDatabase: errorCode(error) === '3D000', reason: reasonOf(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function postgresAnswers(url: string, timeoutMs: number): Promise<boolean> {
  return (await probePostgres(url, timeoutMs)).ok;
}

/**
 * Connects to the URL; when the server answers but the database does not exist, creates it
 * through the `postgres` database of the same server.
 */
export async function ensureDatabase(url: string, timeoutMs: number): Promise<PostgresProbe & { created?: boolean }> {
  const first = await probePostgres(url, timeoutMs);
  if (first.ok || !first.missingDatabase) return first;
  const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres'), connectionTimeoutMillis: timeoutMs });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(databaseOf(url))}`);
  } catch (error) {
    // 42P04 duplicate_database: created concurrently, which is what we wanted.
    if (errorCode(error) !== '42P04') {
      return {
        ok: false,
        missingDatabase: true,
        reason: `could not create database ${databaseOf(url)}: ${reasonOf(error)}`,
      };
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
  const second = await probePostgres(url, timeoutMs);
  return second.ok ? { ok: true, created: true } : second;
}
