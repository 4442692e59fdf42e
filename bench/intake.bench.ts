/**
 * Intake throughput: accepted requests/s and latency of POST /v1/requests (acks=all, broker on the
 * same machine) next to the same app's no-op endpoint (GET /health/live), measured in one run.
 *   npm run bench:intake            BENCH_SECONDS (default 15), BENCH_CONNECTIONS (default 64)
 */
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { benchInfrastructure, machine, printTable, startService, stopService, writeResult } from './bench-support.js';
import { DEVELOPMENT } from '#platform';
import { freePort } from '#testing';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const API_KEY = DEVELOPMENT.upstreamApiKey;

function run(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error: unknown, result) =>
      error ? reject(error instanceof Error ? error : new Error(JSON.stringify(error))) : resolve(result),
    );
  });
}

function summarise(name: string, result: Result, acceptedStatus: number): Record<string, string | number> {
  const stats = (result.statusCodeStats ?? {}) as Record<string, { count: number } | undefined>;
  const accepted = stats[String(acceptedStatus)]?.count ?? 0;
  return {
    endpoint: name,
    'accepted req/s': Math.round(accepted / result.duration),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    'max ms': result.latency.max,
    errors: result.errors + result.timeouts,
    'other statuses': Object.entries(stats).reduce(
      (sum, [status, entry]) => (status === String(acceptedStatus) ? sum : sum + (entry?.count ?? 0)),
      0,
    ),
  };
}

const infra = await benchInfrastructure();
const port = await freePort();
const intake = await startService('intake', port, {
  KAFKA_BROKERS: infra.brokers,
  DATABASE_URL: infra.databaseUrl,
  INTAKE_RATE_LIMIT_API_KEY_PER_MINUTE: '1000000000',
});
try {
  const url = `http://127.0.0.1:${port}`;
  const body = JSON.stringify({
    channel: 'email',
    subject: 'Question about our DPA',
    message: 'Bonjour, pourriez-vous nous envoyer le modèle de DPA ? Merci.',
    requester: { email: 'dpo@example.org', name: 'Jeanne Martin', orgId: 'org-42' },
  });
  const post = {
    url: `${url}/v1/requests`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body,
  };
  // Warm-up: JIT, connection pools, producer connection.
  await run({ ...post, connections, duration: 3 });
  await run({ url: `${url}/health/live`, connections, duration: 2 });

  const noop = await run({ url: `${url}/health/live`, connections, duration: seconds });
  const accepted = await run({ ...post, connections, duration: seconds });
  const rows = [
    summarise('GET /health/live (no-op ceiling)', noop, 200),
    summarise('POST /v1/requests (acks=all)', accepted, 202),
  ];
  const ratio = Number(rows[1]?.['accepted req/s']) / Number(rows[0]?.['accepted req/s']);
  printTable(`intake, ${connections} connections, ${seconds} s each`, rows);
  process.stdout.write(
    `\naccepted / no-op ceiling: ${(ratio * 100).toFixed(1)} %  (targets: >= 3000 req/s, p99 < 50 ms, >= 40 %)\n`,
  );
  const file = writeResult('intake', {
    when: new Date().toISOString(),
    machine: machine(),
    seconds,
    connections,
    rows,
    ratioToNoop: ratio,
  });
  process.stdout.write(`written ${file}\n`);
} finally {
  await stopService(intake);
  await infra.release();
}
