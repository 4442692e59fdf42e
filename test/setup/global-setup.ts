import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// Type-only: erased at compile time, so it never reaches the runtime loader (see loadInfra).
import type * as Infra from '../../tools/infra/index.js';

type InfraModule = typeof Infra;

const log = (line: string): void => {
  process.stderr.write(`[infra] ${line}\n`);
};

/**
 * jest requires this file through a CommonJS transform that ignores moduleNameMapper, so the
 * tools' `.js` imports cannot reach their `.ts` sources from here: the build is used instead
 * (`npm test` builds first).
 */
async function loadInfra(rootDir: string): Promise<InfraModule> {
  const file = resolve(rootDir, 'dist', 'tools', 'infra', 'index.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first (npm test does)`);
  return (await import(file)) as InfraModule;
}

/**
 * Kafka and PostgreSQL for the test run: KAFKA_BROKERS and DATABASE_URL when both answer,
 * otherwise the test profile of tools/infra (its own ports and data, never the dev broker).
 */
/** Unit tests need neither Kafka nor PostgreSQL: a run of the unit project alone starts nothing. */
export function onlyUnitTests(argv: readonly string[] = process.argv): boolean {
  const at = argv.indexOf('--selectProjects');
  if (at < 0) return false;
  const selected: string[] = [];
  for (const value of argv.slice(at + 1)) {
    if (value.startsWith('-')) break;
    selected.push(value);
  }
  return selected.length > 0 && selected.every((name) => name === 'unit');
}

export default async function globalSetup(globalConfig?: { rootDir?: string }): Promise<void> {
  if (onlyUnitTests()) return;
  const rootDir = globalConfig?.rootDir ?? process.cwd();
  const infra = await loadInfra(rootDir);
  const brokers = infra.parseBrokers(process.env['KAFKA_BROKERS']);
  const databaseUrl = process.env['DATABASE_URL'];

  let startedNow: string[] = [];
  if (
    brokers.length > 0 &&
    databaseUrl &&
    (await infra.kafkaAnswers(brokers, 5_000)) &&
    (await infra.postgresAnswers(databaseUrl, 5_000))
  ) {
    log(`using KAFKA_BROKERS=${brokers.join(',')} and DATABASE_URL as given`);
    await infra.ensureContractTopics(brokers, log);
  } else {
    const started = Date.now();
    const result = await infra.ensureInfrastructure({ profile: 'test', log });
    process.env['KAFKA_BROKERS'] = result.kafkaBrokers.join(',');
    process.env['DATABASE_URL'] = result.databaseUrl;
    // The local broker also listens with SASL/SCRAM, for the test of the KAFKA_SASL_* settings.
    if (result.kafka === 'local') process.env['KAFKA_SASL_TEST_BROKERS'] = infra.localSaslBrokers('test').join(',');
    startedNow = result.startedNow;
    log(
      `test infrastructure ready in ${((Date.now() - started) / 1000).toFixed(1)} s (kafka: ${result.kafka}, postgres: ${result.postgres}${startedNow.length > 0 ? `, started ${startedNow.join(' and ')}` : ''})`,
    );
  }

  // Per jest process, so that two concurrent runs never stop each other's infrastructure.
  const markerDir = infra.profilePaths('test').root;
  mkdirSync(markerDir, { recursive: true });
  writeFileSync(join(markerDir, `jest-started-${process.pid}.json`), `${JSON.stringify({ startedNow })}\n`);
}
