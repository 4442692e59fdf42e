import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InfraError } from './errors.js';
import { repoRoot } from './layout.js';
import { runCommand } from './processes.js';

/** Images used only when a Docker engine answers; overridable for mirrors. */
const KAFKA_TEST_IMAGE = process.env['INFRA_KAFKA_IMAGE'] ?? 'confluentinc/cp-kafka:8.0.0';
const POSTGRES_TEST_IMAGE = process.env['INFRA_POSTGRES_IMAGE'] ?? 'postgres:16';

/** docker-compose.yml publishes these on the host. */
export const COMPOSE_KAFKA_BROKERS = ['127.0.0.1:9092'];
export const composePostgresUrl = (database: string): string =>
  `postgres://postgres:postgres@127.0.0.1:5432/${database}`;

let dockerAnswersCache: boolean | undefined;

/** A Docker engine answers `docker info` within a few seconds (and INFRA_SKIP_DOCKER is not 1). */
export function dockerAvailable(): boolean {
  if (process.env['INFRA_SKIP_DOCKER'] === '1') return false;
  dockerAnswersCache ??=
    runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 5_000 }).status === 0;
  return dockerAnswersCache;
}

function composeFile(): string {
  const file = join(repoRoot(), 'docker-compose.yml');
  if (!existsSync(file)) throw new InfraError(`Docker: ${file} is missing`);
  return file;
}

/** `docker compose up -d --wait <service>`: returns once the service's healthcheck passes. */
export function composeUp(service: string): void {
  const result = runCommand('docker', ['compose', '-f', composeFile(), 'up', '-d', '--wait', service], {
    timeoutMs: 300_000,
  });
  if (result.status !== 0) {
    throw new InfraError(`Docker: docker compose up ${service} failed`, `${result.stdout}\n${result.stderr}`.trim());
  }
}

export function composeStop(service: string): void {
  const result = runCommand('docker', ['compose', '-f', composeFile(), 'stop', service], { timeoutMs: 120_000 });
  if (result.status !== 0)
    throw new InfraError(`Docker: docker compose stop ${service} failed: ${result.stderr.trim()}`);
}

interface Stoppable {
  stop(): Promise<unknown>;
}

/**
 * Started containers, by id, shared through globalThis: jest loads the global setup and the
 * global teardown as separate module instances of the same process.
 */
function containerHandles(): Map<string, Stoppable> {
  const key = Symbol.for('support-routing.infra.containers');
  const holder = globalThis as { [key]?: Map<string, Stoppable> };
  holder[key] ??= new Map<string, Stoppable>();
  return holder[key];
}

/** testcontainers' KafkaContainer (Confluent image, KRaft). Lives as long as this process (Ryuk). */
export async function startKafkaContainer(): Promise<{ brokers: string[]; containerId: string }> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer(KAFKA_TEST_IMAGE)
    .withEnvironment({ KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' })
    .start();
  containerHandles().set(container.getId(), container);
  return { brokers: [`${container.getHost()}:${container.getMappedPort(9093)}`], containerId: container.getId() };
}

export async function startPostgresContainer(database: string): Promise<{ url: string; containerId: string }> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(POSTGRES_TEST_IMAGE).withDatabase(database).start();
  containerHandles().set(container.getId(), container);
  return { url: container.getConnectionUri(), containerId: container.getId() };
}

export async function stopContainer(containerId: string): Promise<void> {
  const handle = containerHandles().get(containerId);
  if (handle) {
    await handle.stop();
    containerHandles().delete(containerId);
    return;
  }
  // Started by another process: Ryuk may already have removed it.
  runCommand('docker', ['rm', '-f', '-v', containerId], { timeoutMs: 60_000 });
}

export function containerRunning(containerId: string): boolean {
  const result = runCommand('docker', ['inspect', '-f', '{{.State.Running}}', containerId], { timeoutMs: 10_000 });
  return result.status === 0 && result.stdout.trim() === 'true';
}
