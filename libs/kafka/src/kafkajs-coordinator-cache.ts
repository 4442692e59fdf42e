import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';
import { tuningAllowedFor } from './kafkajs-encoder.js';

/**
 * Fewer FindCoordinator requests. kafkajs looks the coordinator up again before each step of a
 * transaction (add partitions, add offsets, commit the offsets, end it: four requests per
 * transaction), and each lookup is a request the broker pays for as much as a produce. Here a
 * client's lookups are kept for COORDINATOR_CACHE_MS: a coordinator that moved within that time
 * answers NOT_COORDINATOR, which kafkajs retries, and `forgetCoordinators` empties the cache of
 * a client whose transaction failed.
 *
 * It wraps kafkajs's private cluster factory of one client (the pinned version only, as the encoder
 * patch): if that is not where this was written for, nothing changes.
 */
export const COORDINATOR_CACHE_MS = 1_000;

type FindGroupCoordinator = (request: { groupId: string; coordinatorType?: number }) => Promise<unknown>;

interface ClusterLike {
  findGroupCoordinator: FindGroupCoordinator;
}

const caches = new WeakMap<Kafka, Set<Map<string, { readonly broker: Promise<unknown>; readonly at: number }>>>();

function createClusterSymbol(kafka: Kafka): symbol | undefined {
  return Object.getOwnPropertySymbols(kafka).find((symbol) => symbol.description === 'private:Kafka:createCluster');
}

/** Caches the coordinator lookups of every cluster the client creates from now on; false when it cannot. */
export function cacheCoordinators(kafka: Kafka): boolean {
  const version = (createRequire(import.meta.url)('kafkajs/package.json') as { version?: string }).version;
  const symbol = createClusterSymbol(kafka);
  const owner = kafka as unknown as Record<symbol, unknown>;
  const createCluster = symbol === undefined ? undefined : owner[symbol];
  if (!tuningAllowedFor(version) || symbol === undefined || typeof createCluster !== 'function') return false;
  const clientCaches = new Set<Map<string, { readonly broker: Promise<unknown>; readonly at: number }>>();
  caches.set(kafka, clientCaches);
  owner[symbol] = (...args: unknown[]): unknown => {
    const cluster = (createCluster as (...options: unknown[]) => unknown)(...args) as ClusterLike;
    const original = cluster.findGroupCoordinator.bind(cluster);
    const cache = new Map<string, { readonly broker: Promise<unknown>; readonly at: number }>();
    clientCaches.add(cache);
    cluster.findGroupCoordinator = (request) => {
      const key = `${request.coordinatorType ?? 0}|${request.groupId}`;
      const cached = cache.get(key);
      if (cached && Date.now() - cached.at < COORDINATOR_CACHE_MS) return cached.broker;
      const broker = original(request);
      cache.set(key, { broker, at: Date.now() });
      // A failed lookup is not kept.
      broker.catch(() => cache.delete(key));
      return broker;
    };
    return cluster;
  };
  return true;
}

/** Forgets the client's coordinators, e.g. after a transaction failed (the coordinator may have moved). */
export function forgetCoordinators(kafka: Kafka): void {
  for (const cache of caches.get(kafka) ?? []) cache.clear();
}
