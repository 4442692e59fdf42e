import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { profilePaths, type Component, type Profile } from './layout.js';

/** A process this project spawned detached (local broker, embedded PostgreSQL). */
export interface OwnedProcess {
  readonly kind: 'process';
  readonly pid: number;
  /** A fragment of the command line, checked before signalling so a recycled pid is never killed. */
  readonly commandMatch: string;
  readonly stopSignal: 'SIGTERM' | 'SIGINT';
  readonly endpoint: string;
  readonly logFile: string;
  readonly startedAt: string;
}

/** A service of docker-compose.yml started by `docker compose up -d`. */
export interface OwnedComposeService {
  readonly kind: 'compose';
  readonly service: string;
  readonly endpoint: string;
  readonly startedAt: string;
}

/** A container started through testcontainers; reaped by Ryuk if the owner dies first. */
export interface OwnedContainer {
  readonly kind: 'container';
  readonly containerId: string;
  readonly endpoint: string;
  readonly startedAt: string;
}

export type OwnedComponent = OwnedProcess | OwnedComposeService | OwnedContainer;

export interface ProfileState {
  kafkaClusterId?: string;
  kafka?: OwnedComponent;
  postgres?: OwnedComponent;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

function parseOwned(value: unknown): OwnedComponent | undefined {
  if (!isRecord(value)) return undefined;
  const endpoint = str(value, 'endpoint');
  const startedAt = str(value, 'startedAt') ?? '';
  if (endpoint === undefined) return undefined;
  switch (value['kind']) {
    case 'process': {
      const pid = value['pid'];
      const commandMatch = str(value, 'commandMatch');
      const logFile = str(value, 'logFile') ?? '';
      const stopSignal = value['stopSignal'] === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
      if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || commandMatch === undefined) return undefined;
      return { kind: 'process', pid, commandMatch, stopSignal, endpoint, logFile, startedAt };
    }
    case 'compose': {
      const service = str(value, 'service');
      return service === undefined ? undefined : { kind: 'compose', service, endpoint, startedAt };
    }
    case 'container': {
      const containerId = str(value, 'containerId');
      return containerId === undefined ? undefined : { kind: 'container', containerId, endpoint, startedAt };
    }
    default:
      return undefined;
  }
}

export function readState(profile: Profile): ProfileState {
  let raw: string;
  try {
    raw = readFileSync(profilePaths(profile).stateFile, 'utf8');
  } catch {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return {};
  }
  if (!isRecord(parsed)) return {};
  const state: ProfileState = {};
  const clusterId = str(parsed, 'kafkaClusterId');
  if (clusterId !== undefined) state.kafkaClusterId = clusterId;
  const kafka = parseOwned(parsed['kafka']);
  if (kafka) state.kafka = kafka;
  const postgres = parseOwned(parsed['postgres']);
  if (postgres) state.postgres = postgres;
  return state;
}

/** Written atomically (rename) so a crash mid-write never leaves a state file that hides a running broker. */
export function writeState(profile: Profile, state: ProfileState): void {
  const file = profilePaths(profile).stateFile;
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ profile, ...state }, null, 2)}\n`);
  renameSync(temporary, file);
}

export function updateState(profile: Profile, change: (state: ProfileState) => void): ProfileState {
  const state = readState(profile);
  change(state);
  writeState(profile, state);
  return state;
}

export function setOwned(profile: Profile, component: Component, owned: OwnedComponent | undefined): void {
  updateState(profile, (state) => {
    if (owned) state[component] = owned;
    else delete state[component];
  });
}
