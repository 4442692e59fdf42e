import { TOPIC_CATALOGUE } from '../../libs/contracts/src/topics.js';
import { parseBrokers } from '../../libs/kafka/src/kafka.client.js';
import { ensureTopics, kafkaAnswers, warmUpCoordinators } from '../../libs/kafka/src/topic-admin.js';
import {
  COMPOSE_KAFKA_BROKERS,
  composePostgresUrl,
  composeStop,
  composeUp,
  containerRunning,
  dockerAvailable,
  startKafkaContainer,
  startPostgresContainer,
  stopContainer,
} from './docker.js';
import { describeError, InfraError } from './errors.js';
import {
  brokerClasspathReady,
  brokerCommandMatch,
  ensureBrokerClasspath,
  findJava,
  localBrokers,
  mavenFound,
  startLocalBroker,
} from './kafka-local.js';
import { COMPONENTS, PROFILES, profilePaths, profileSettings, type Component, type Profile } from './layout.js';
import { ensureDatabase, probePostgres, redactUrl } from './postgres.js';
import { embeddedCommandMatch, embeddedUrl, orphanEmbeddedPid, startEmbeddedPostgres } from './postgres-embedded.js';
import { findProcessByCommand, isOwnedProcessRunning, stopProcess, withLock } from './processes.js';
import { readState, setOwned, updateState, type OwnedComponent } from './state.js';

export { InfraError, describeError } from './errors.js';
export { isComponent, isProfile, profilePaths, PROFILES, type Component, type Profile } from './layout.js';
export { postgresAnswers } from './postgres.js';
export { kafkaAnswers } from '../../libs/kafka/src/topic-admin.js';

export type KafkaMode = 'external' | 'docker' | 'local';
export type PostgresMode = 'external' | 'local' | 'embedded' | 'docker';

export interface EnsureInfrastructureOptions {
  profile: Profile;
  log?: (line: string) => void;
}

export interface Infrastructure {
  kafkaBrokers: string[];
  databaseUrl: string;
  kafka: KafkaMode;
  postgres: PostgresMode;
  /** Components this call started (`kafka`, `postgres`); pass them to stopInfrastructure's `only`. */
  startedNow: string[];
}

export interface StopInfrastructureOptions {
  /** Default: every profile. */
  profile?: Profile;
  /** Component names (`kafka`, `postgres`); default: all. */
  only?: string[];
  log?: (line: string) => void;
}

export interface ComponentStatus {
  /** `env` for the servers named by KAFKA_BROKERS / DATABASE_URL. */
  readonly scope: Profile | 'env';
  readonly component: Component;
  readonly running: boolean;
  readonly ownedByProject: boolean;
  readonly description: string;
}

const LOCAL_POSTGRES_SERVER = 'postgres://postgres@127.0.0.1:5432';
const LOCK_WAIT_MS = 10 * 60_000;
const STOP_GRACE_MS = 30_000;
const DEFAULT_PARTITIONS = 6;
const DEFAULT_PERSONAL_DATA_RETENTION_DAYS = 7;
const DAY_MS = 24 * 3_600_000;

const defaultLog = (line: string): void => {
  process.stderr.write(`[infra] ${line}\n`);
};

export { parseBrokers };

export function topicPartitions(): number {
  const raw = process.env['KAFKA_TOPIC_PARTITIONS'];
  if (raw === undefined || raw.trim() === '') return DEFAULT_PARTITIONS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new InfraError(`KAFKA_TOPIC_PARTITIONS must be a positive integer, got '${raw}'`);
  }
  return value;
}

function describeOwned(owned: OwnedComponent): string {
  switch (owned.kind) {
    case 'process':
      return `pid ${owned.pid}`;
    case 'compose':
      return `docker compose service ${owned.service}`;
    case 'container':
      return `container ${owned.containerId.slice(0, 12)}`;
  }
}

async function ownedAnswers(owned: OwnedComponent, answers: (endpoint: string) => Promise<boolean>): Promise<boolean> {
  switch (owned.kind) {
    case 'process':
      return isOwnedProcessRunning(owned.pid, owned.commandMatch) && (await answers(owned.endpoint));
    case 'compose':
      return answers(owned.endpoint);
    case 'container':
      return dockerAvailable() && containerRunning(owned.containerId) && (await answers(owned.endpoint));
  }
}

const kafkaEndpointAnswers = (endpoint: string): Promise<boolean> => kafkaAnswers(endpoint.split(','), 3_000);
const postgresEndpointAnswers = async (endpoint: string): Promise<boolean> => (await probePostgres(endpoint, 3_000)).ok;

async function stopOwned(owned: OwnedComponent): Promise<void> {
  switch (owned.kind) {
    case 'process':
      if (isOwnedProcessRunning(owned.pid, owned.commandMatch)) {
        const stopped = await stopProcess(owned.pid, owned.stopSignal, STOP_GRACE_MS);
        if (!stopped) throw new InfraError(`could not stop pid ${owned.pid}`);
      }
      return;
    case 'compose':
      composeStop(owned.service);
      return;
    case 'container':
      await stopContainer(owned.containerId);
      return;
  }
}

interface Started {
  readonly component: Component;
  readonly owned: OwnedComponent;
}

async function ensureKafka(
  profile: Profile,
  log: (line: string) => void,
  started: Started[],
): Promise<{ brokers: string[]; mode: KafkaMode }> {
  const fromEnv = parseBrokers(process.env['KAFKA_BROKERS']);
  if (fromEnv.length > 0) {
    if (await kafkaAnswers(fromEnv, 5_000)) {
      log(`Kafka: using KAFKA_BROKERS=${fromEnv.join(',')}`);
      return { brokers: fromEnv, mode: 'external' };
    }
    log(`Kafka: nothing answers at KAFKA_BROKERS=${fromEnv.join(',')}; looking for another broker`);
  }

  const state = readState(profile);
  if (state.kafka) {
    if (await ownedAnswers(state.kafka, kafkaEndpointAnswers)) {
      log(`Kafka: already running at ${state.kafka.endpoint} (${describeOwned(state.kafka)}, started by this project)`);
      return { brokers: parseBrokers(state.kafka.endpoint), mode: state.kafka.kind === 'process' ? 'local' : 'docker' };
    }
    if (state.kafka.kind === 'process' && isOwnedProcessRunning(state.kafka.pid, state.kafka.commandMatch)) {
      throw new InfraError(
        `Kafka: the local broker (pid ${state.kafka.pid}) runs but does not answer at ${state.kafka.endpoint}; see ${state.kafka.logFile}, or run "npm run infra:down" and try again`,
      );
    }
    log(`Kafka: the broker recorded in ${profilePaths(profile).stateFile} is gone; forgetting it`);
    setOwned(profile, 'kafka', undefined);
  }

  const profileBrokers = localBrokers(profile);
  if (await kafkaAnswers(profileBrokers, 3_000)) {
    const orphan = findProcessByCommand(brokerCommandMatch(profile));
    if (orphan !== undefined) {
      log(`Kafka: found this project's local broker (pid ${orphan}) running without a state entry; adopting it`);
      setOwned(profile, 'kafka', {
        kind: 'process',
        pid: orphan,
        commandMatch: brokerCommandMatch(profile),
        stopSignal: 'SIGTERM',
        endpoint: profileBrokers.join(','),
        logFile: profilePaths(profile).kafkaLog,
        startedAt: new Date().toISOString(),
      });
      return { brokers: profileBrokers, mode: 'local' };
    }
    log(`Kafka: using the broker that already answers at ${profileBrokers.join(',')} (not started by this project)`);
    return { brokers: profileBrokers, mode: 'external' };
  }

  if (dockerAvailable()) {
    if (profile === 'test') {
      log('Kafka: starting a broker container with testcontainers');
      const { brokers, containerId } = await startKafkaContainer();
      const owned: OwnedComponent = {
        kind: 'container',
        containerId,
        endpoint: brokers.join(','),
        startedAt: new Date().toISOString(),
      };
      setOwned(profile, 'kafka', owned);
      started.push({ component: 'kafka', owned });
      return { brokers, mode: 'docker' };
    }
    log('Kafka: starting the kafka service of docker-compose.yml');
    composeUp('kafka');
    const owned: OwnedComponent = {
      kind: 'compose',
      service: 'kafka',
      endpoint: COMPOSE_KAFKA_BROKERS.join(','),
      startedAt: new Date().toISOString(),
    };
    setOwned(profile, 'kafka', owned);
    started.push({ component: 'kafka', owned });
    return { brokers: COMPOSE_KAFKA_BROKERS, mode: 'docker' };
  }

  const java = findJava();
  const mavenNeeded = !brokerClasspathReady();
  const mavenMissing = mavenNeeded && !mavenFound();
  if (!java.runtime || mavenMissing) {
    const missing = [java.problem, mavenMissing ? 'Maven (mvn) not found' : undefined].filter(
      (part) => part !== undefined,
    );
    const provide = [java.runtime ? undefined : 'Java 17+', mavenMissing ? 'Maven' : undefined].filter(
      (part) => part !== undefined,
    );
    const brokersPart =
      fromEnv.length > 0 ? `no broker answers at KAFKA_BROKERS=${fromEnv.join(',')}` : 'KAFKA_BROKERS not set';
    throw new InfraError(
      `Kafka: ${brokersPart}, no Docker engine, and ${missing.join(' and ')}: set KAFKA_BROKERS to a running broker, start Docker, or install ${provide.join(' and ')}`,
    );
  }
  const libs = ensureBrokerClasspath(log);
  const { owned, clusterId } = await startLocalBroker(profile, java.runtime, libs, state.kafkaClusterId, log);
  updateState(profile, (current) => {
    current.kafka = owned;
    current.kafkaClusterId = clusterId;
  });
  started.push({ component: 'kafka', owned });
  return { brokers: parseBrokers(owned.endpoint), mode: 'local' };
}

async function ensurePostgres(
  profile: Profile,
  log: (line: string) => void,
  started: Started[],
): Promise<{ url: string; mode: PostgresMode }> {
  const { databaseName } = profileSettings(profile);
  const fromEnv = process.env['DATABASE_URL'];
  if (fromEnv) {
    const result = await ensureDatabase(fromEnv, 5_000);
    if (result.ok) {
      log(`PostgreSQL: using DATABASE_URL=${redactUrl(fromEnv)}${result.created ? ' (database created)' : ''}`);
      return { url: fromEnv, mode: 'external' };
    }
    log(
      `PostgreSQL: DATABASE_URL=${redactUrl(fromEnv)} does not answer (${result.reason}); looking for another server`,
    );
  }

  const state = readState(profile);
  if (state.postgres) {
    if (await ownedAnswers(state.postgres, postgresEndpointAnswers)) {
      log(
        `PostgreSQL: already running at ${redactUrl(state.postgres.endpoint)} (${describeOwned(state.postgres)}, started by this project)`,
      );
      return { url: state.postgres.endpoint, mode: state.postgres.kind === 'process' ? 'embedded' : 'docker' };
    }
    log(`PostgreSQL: the server recorded in ${profilePaths(profile).stateFile} is gone; forgetting it`);
    setOwned(profile, 'postgres', undefined);
  }

  const localUrl = `${LOCAL_POSTGRES_SERVER}/${databaseName}`;
  let localProblem: string;
  if (process.env['INFRA_SKIP_LOCAL_POSTGRES'] === '1') {
    localProblem = 'the local server is skipped (INFRA_SKIP_LOCAL_POSTGRES=1)';
    log(`PostgreSQL: ${localProblem}`);
  } else {
    const local = await ensureDatabase(localUrl, 3_000);
    if (local.ok) {
      log(`PostgreSQL: using the local server at ${localUrl}${local.created ? ' (database created)' : ''}`);
      return { url: localUrl, mode: 'local' };
    }
    localProblem = `no usable server at 127.0.0.1:5432 as user postgres (${local.reason})`;
    log(`PostgreSQL: ${localProblem}`);
  }

  const orphan = orphanEmbeddedPid(profile);
  if (orphan !== undefined && (await postgresEndpointAnswers(embeddedUrl(profile)))) {
    log(`PostgreSQL: found this project's embedded server (pid ${orphan}) running without a state entry; adopting it`);
    setOwned(profile, 'postgres', {
      kind: 'process',
      pid: orphan,
      commandMatch: embeddedCommandMatch(profile),
      stopSignal: 'SIGINT',
      endpoint: embeddedUrl(profile),
      logFile: profilePaths(profile).postgresLog,
      startedAt: new Date().toISOString(),
    });
    return { url: embeddedUrl(profile), mode: 'embedded' };
  }

  if (dockerAvailable()) {
    let owned: OwnedComponent;
    if (profile === 'test') {
      log('PostgreSQL: starting a postgres container with testcontainers');
      const { url, containerId } = await startPostgresContainer(databaseName);
      owned = { kind: 'container', containerId, endpoint: url, startedAt: new Date().toISOString() };
    } else {
      log('PostgreSQL: starting the postgres service of docker-compose.yml');
      composeUp('postgres');
      owned = {
        kind: 'compose',
        service: 'postgres',
        endpoint: composePostgresUrl(databaseName),
        startedAt: new Date().toISOString(),
      };
      const ready = await ensureDatabase(owned.endpoint, 10_000);
      if (!ready.ok) throw new InfraError(`PostgreSQL: the compose postgres service does not answer (${ready.reason})`);
    }
    setOwned(profile, 'postgres', owned);
    started.push({ component: 'postgres', owned });
    return { url: owned.endpoint, mode: 'docker' };
  }

  try {
    const { owned, url } = await startEmbeddedPostgres(profile, log);
    setOwned(profile, 'postgres', owned);
    started.push({ component: 'postgres', owned });
    return { url, mode: 'embedded' };
  } catch (error) {
    const envPart = fromEnv ? `DATABASE_URL does not answer` : 'DATABASE_URL not set';
    throw new InfraError(
      `PostgreSQL: ${envPart}, ${localProblem}, no Docker engine, and the embedded server failed (${describeError(error).replace(/^PostgreSQL: /, '')}): set DATABASE_URL, start a local PostgreSQL, or start Docker`,
      error instanceof InfraError ? error.details : undefined,
    );
  }
}

/** KAFKA_PERSONAL_DATA_RETENTION_DAYS (default 7), as the services read it, in milliseconds. */
export function personalDataRetentionMs(): number {
  const raw = process.env['KAFKA_PERSONAL_DATA_RETENTION_DAYS'];
  if (raw === undefined || raw.trim() === '') return DEFAULT_PERSONAL_DATA_RETENTION_DAYS * DAY_MS;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1)
    throw new InfraError(`KAFKA_PERSONAL_DATA_RETENTION_DAYS must be a positive integer, got '${raw}'`);
  return days * DAY_MS;
}

/** Creates the contract's topics that are missing, with KAFKA_TOPIC_PARTITIONS partitions; topics with personal data get their retention. */
export async function ensureContractTopics(brokers: string[], log: (line: string) => void = defaultLog): Promise<void> {
  const partitions = topicPartitions();
  const topics = await ensureTopics({
    brokers,
    partitions,
    specs: TOPIC_CATALOGUE,
    clientId: 'support-infra',
    personalDataRetentionMs: personalDataRetentionMs(),
  });
  log(
    `Kafka: topics ready (${topics.created.length} created, ${topics.existing.length} already present, ${partitions} partitions for new ones)`,
  );
}

/**
 * Makes Kafka and PostgreSQL available for a profile, reusing whatever already answers, then
 * creates the contract's topics. Idempotent: a second call starts nothing.
 */
export async function ensureInfrastructure(options: EnsureInfrastructureOptions): Promise<Infrastructure> {
  const { profile } = options;
  const log = options.log ?? defaultLog;
  // Validated before anything starts: a typo must not leave a broker running.
  topicPartitions();
  return withLock(profilePaths(profile).lockDir, LOCK_WAIT_MS, async () => {
    const started: Started[] = [];
    try {
      const kafka = await ensureKafka(profile, log, started);
      const postgres = await ensurePostgres(profile, log, started);
      await ensureContractTopics(kafka.brokers, log);
      if (started.some((entry) => entry.component === 'kafka')) {
        const warmStart = Date.now();
        const warm = await warmUpCoordinators(kafka.brokers, 30_000);
        log(
          warm
            ? `Kafka: group and transaction coordinators loaded in ${((Date.now() - warmStart) / 1000).toFixed(1)} s`
            : 'Kafka: the group/transaction coordinators did not answer within 30 s; clients will retry',
        );
      }
      return {
        kafkaBrokers: kafka.brokers,
        databaseUrl: postgres.url,
        kafka: kafka.mode,
        postgres: postgres.mode,
        startedNow: started.map((entry) => entry.component),
      };
    } catch (error) {
      // Leave the machine as it was: stop what this call started, keep what was already running.
      for (const entry of started.reverse()) {
        log(`${entry.component}: stopping what this attempt started (${describeOwned(entry.owned)})`);
        await stopOwned(entry.owned).catch((stopError: unknown) =>
          log(`${entry.component}: ${describeError(stopError)}`),
        );
        setOwned(profile, entry.component, undefined);
      }
      throw error;
    }
  });
}

/**
 * Stops what the state files say this project started (never a server it merely found running)
 * and returns what it stopped, as `<profile>:<component>`.
 */
export async function stopInfrastructure(options: StopInfrastructureOptions = {}): Promise<string[]> {
  const log = options.log ?? defaultLog;
  const profiles = options.profile ? [options.profile] : PROFILES;
  const components = COMPONENTS.filter((component) => !options.only || options.only.includes(component));
  const stopped: string[] = [];
  for (const profile of profiles) {
    await withLock(profilePaths(profile).lockDir, LOCK_WAIT_MS, async () => {
      const state = readState(profile);
      for (const component of components) {
        const owned = state[component];
        if (!owned) continue;
        log(`${component} (${profile}): stopping ${describeOwned(owned)}`);
        await stopOwned(owned);
        setOwned(profile, component, undefined);
        stopped.push(`${profile}:${component}`);
      }
    });
  }
  return stopped;
}

/** One entry per component and profile, plus the servers named by KAFKA_BROKERS / DATABASE_URL. */
export async function infrastructureStatus(): Promise<ComponentStatus[]> {
  const statuses: ComponentStatus[] = [];
  const envBrokers = parseBrokers(process.env['KAFKA_BROKERS']);
  if (envBrokers.length > 0) {
    const running = await kafkaAnswers(envBrokers, 3_000);
    statuses.push({
      scope: 'env',
      component: 'kafka',
      running,
      ownedByProject: false,
      description: `KAFKA_BROKERS=${envBrokers.join(',')}: ${running ? 'answers' : 'does not answer'}`,
    });
  }
  const envUrl = process.env['DATABASE_URL'];
  if (envUrl) {
    const probe = await probePostgres(envUrl, 3_000);
    statuses.push({
      scope: 'env',
      component: 'postgres',
      running: probe.ok,
      ownedByProject: false,
      description: `DATABASE_URL=${redactUrl(envUrl)}: ${probe.ok ? 'answers' : `does not answer (${probe.reason})`}`,
    });
  }

  for (const profile of PROFILES) {
    const state = readState(profile);
    const settings = profileSettings(profile);
    for (const component of COMPONENTS) {
      const owned = state[component];
      if (owned) {
        const running = await ownedAnswers(
          owned,
          component === 'kafka' ? kafkaEndpointAnswers : postgresEndpointAnswers,
        );
        const what = owned.kind === 'process' ? (component === 'kafka' ? 'local broker' : 'embedded server') : 'docker';
        statuses.push({
          scope: profile,
          component,
          running,
          ownedByProject: true,
          description: `${what} at ${component === 'postgres' ? redactUrl(owned.endpoint) : owned.endpoint} (${describeOwned(owned)}, started by this project ${owned.startedAt}): ${running ? 'up' : 'not running (stale state; "up" will replace it)'}`,
        });
        continue;
      }
      if (component === 'kafka') {
        const brokers = localBrokers(profile);
        const running = await kafkaAnswers(brokers, 3_000);
        statuses.push({
          scope: profile,
          component,
          running,
          ownedByProject: false,
          description: running
            ? `a broker not started by this project answers at ${brokers.join(',')}`
            : `not running (a local broker would listen on ${brokers.join(',')})`,
        });
        continue;
      }
      const localUrl = `${LOCAL_POSTGRES_SERVER}/${settings.databaseName}`;
      const local = await probePostgres(localUrl, 3_000);
      const localServer = local.ok || local.missingDatabase;
      statuses.push({
        scope: profile,
        component,
        running: localServer,
        ownedByProject: false,
        description: localServer
          ? `local server at ${LOCAL_POSTGRES_SERVER}: answers (database ${settings.databaseName} ${local.ok ? 'exists' : 'not created yet'})`
          : `not running (no local server on 127.0.0.1:5432; an embedded one would listen on 127.0.0.1:${settings.embeddedPostgresPort})`,
      });
    }
  }
  return statuses;
}

export function formatStatus(status: ComponentStatus): string {
  return `${`${status.scope}/${status.component}`.padEnd(14)} ${status.running ? 'UP  ' : 'DOWN'}  ${status.description}`;
}
export { LOCAL_SCRAM_USER, localBrokers, localSaslBrokers } from './kafka-local.js';
