import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export type Profile = 'dev' | 'test';
export const PROFILES: readonly Profile[] = ['dev', 'test'];

export type Component = 'kafka' | 'postgres';
export const COMPONENTS: readonly Component[] = ['kafka', 'postgres'];

export const KAFKA_VERSION = '4.4.0';

/** Fixed per profile so that a test run never touches the broker or database of a dev session. */
export interface ProfileSettings {
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
  /** A SASL_PLAINTEXT listener (SCRAM-SHA-256/512), for trying and testing KAFKA_SASL_*. */
  readonly kafkaSaslPort: number;
  readonly embeddedPostgresPort: number;
  readonly databaseName: string;
}

const SETTINGS: Record<Profile, ProfileSettings> = {
  dev: {
    kafkaPort: 9092,
    kafkaControllerPort: 9093,
    kafkaSaslPort: 9094,
    embeddedPostgresPort: 55432,
    databaseName: 'support_routing',
  },
  test: {
    kafkaPort: 19192,
    kafkaControllerPort: 19193,
    kafkaSaslPort: 19194,
    embeddedPostgresPort: 55433,
    databaseName: 'support_routing_test',
  },
};

export function profileSettings(profile: Profile): ProfileSettings {
  return SETTINGS[profile];
}

export function isProfile(value: string): value is Profile {
  return (PROFILES as readonly string[]).includes(value);
}

export function isComponent(value: string): value is Component {
  return (COMPONENTS as readonly string[]).includes(value);
}

/**
 * The repository root: the nearest folder holding package.json, from the working directory up.
 * import.meta is avoided on purpose: jest loads the global setup through a CommonJS transform.
 */
export function repoRoot(): string {
  let dir = resolve(process.cwd());
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.build.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(process.cwd());
    dir = parent;
  }
}

export interface ProfilePaths {
  readonly root: string;
  readonly stateFile: string;
  readonly lockDir: string;
  readonly kafkaDir: string;
  readonly kafkaDataDir: string;
  readonly kafkaLog: string;
  readonly kafkaProperties: string;
  /** Written after a format that created the SCRAM users; a data directory without it predates them. */
  readonly kafkaScramMarker: string;
  readonly kafkaLog4j: string;
  readonly postgresDataDir: string;
  readonly postgresLog: string;
}

export function profilePaths(profile: Profile): ProfilePaths {
  const root = join(repoRoot(), '.infra', profile);
  const kafkaDir = join(root, 'kafka');
  return {
    root,
    stateFile: join(root, 'state.json'),
    lockDir: join(root, '.lock'),
    kafkaDir,
    kafkaDataDir: join(kafkaDir, 'data'),
    kafkaLog: join(kafkaDir, 'kafka.log'),
    kafkaProperties: join(kafkaDir, 'server.properties'),
    kafkaScramMarker: join(kafkaDir, 'data', '.scram-users'),
    kafkaLog4j: join(kafkaDir, 'log4j2.properties'),
    postgresDataDir: join(root, 'postgres'),
    postgresLog: join(root, 'postgres.log'),
  };
}

export interface KafkaCachePaths {
  readonly dir: string;
  readonly pom: string;
  readonly libs: string;
  readonly marker: string;
  readonly mavenLog: string;
}

/** Shared by both profiles: the broker's classpath depends only on the Kafka version. */
export function kafkaCachePaths(): KafkaCachePaths {
  const dir = join(repoRoot(), '.cache', 'kafka', KAFKA_VERSION);
  return {
    dir,
    pom: join(dir, 'pom.xml'),
    libs: join(dir, 'libs'),
    marker: join(dir, 'libs.complete'),
    mavenLog: join(dir, 'mvn.log'),
  };
}
