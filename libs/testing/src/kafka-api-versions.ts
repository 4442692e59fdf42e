import { createRequire } from 'node:module';
import { PINNED_KAFKAJS_VERSION } from '#kafka';

/**
 * What a broker must still speak for kafkajs to work: every API kafkajs sends to produce
 * (idempotent and transactional), consume in groups, administer topics and authenticate. Brokers
 * drop old protocol versions (Kafka 4.0 removed many), and kafkajs is no longer maintained, so an
 * upgraded broker can leave it behind; the protocol guard test compares the two.
 */
export const KAFKAJS_APIS = [
  'Produce',
  'Fetch',
  'ListOffsets',
  'Metadata',
  'OffsetCommit',
  'OffsetFetch',
  'GroupCoordinator',
  'JoinGroup',
  'SyncGroup',
  'Heartbeat',
  'LeaveGroup',
  'DescribeGroups',
  'CreateTopics',
  'DescribeConfigs',
  'AlterConfigs',
  'InitProducerId',
  'AddPartitionsToTxn',
  'AddOffsetsToTxn',
  'EndTxn',
  'TxnOffsetCommit',
  'SaslHandshake',
  'SaslAuthenticate',
  'ApiVersions',
] as const;

export type KafkaApiName = (typeof KAFKAJS_APIS)[number];

export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export interface ApiVersionsResponse {
  readonly correlationId: number;
  readonly errorCode: number;
  readonly apis: readonly ApiVersionRange[];
}

export interface KafkaJsApi {
  readonly name: KafkaApiName;
  readonly apiKey: number;
  /** The highest version kafkajs implements: what it sends to a broker whose range reaches it. */
  readonly highest: number;
}

/** The protocol's key of ApiVersions; version 0 of it is answered by every broker, before authentication. */
const API_VERSIONS_KEY = 18;
const SIZE_BYTES = 4;
const INT16_BYTES = 2;
const INT32_BYTES = 4;
const API_RANGE_BYTES = 3 * INT16_BYTES;

/**
 * An ApiVersions v0 request, written from the protocol specification rather than by kafkajs:
 * size, then request header v1 (api_key, api_version, correlation_id, client_id), and no body.
 */
export function apiVersionsRequest(correlationId: number, clientId: string): Buffer {
  const client = Buffer.from(clientId, 'utf8');
  const frame = Buffer.alloc(SIZE_BYTES + 2 * INT16_BYTES + INT32_BYTES + INT16_BYTES + client.length);
  let offset = frame.writeInt32BE(frame.length - SIZE_BYTES, 0);
  offset = frame.writeInt16BE(API_VERSIONS_KEY, offset);
  offset = frame.writeInt16BE(0, offset);
  offset = frame.writeInt32BE(correlationId, offset);
  offset = frame.writeInt16BE(client.length, offset);
  client.copy(frame, offset);
  return frame;
}

/** The length of the frame that starts `received` (size prefix included), or undefined until its size is in. */
export function frameLength(received: Buffer): number | undefined {
  return received.length < SIZE_BYTES ? undefined : SIZE_BYTES + received.readInt32BE(0);
}

/**
 * Reads one whole ApiVersions v0 response frame: size, correlation_id (response header v0), then
 * error_code and the [api_key, min_version, max_version] array. Anything short or left over throws.
 */
export function parseApiVersionsResponse(frame: Buffer): ApiVersionsResponse {
  if (frameLength(frame) !== frame.length) {
    throw new Error(`a frame of ${frame.length} bytes announces ${frameLength(frame) ?? 'no'} bytes`);
  }
  const fixed = SIZE_BYTES + INT32_BYTES + INT16_BYTES + INT32_BYTES;
  if (frame.length < fixed) throw new Error(`an ApiVersions v0 response has at least ${fixed} bytes`);
  const correlationId = frame.readInt32BE(SIZE_BYTES);
  const errorCode = frame.readInt16BE(SIZE_BYTES + INT32_BYTES);
  const count = frame.readInt32BE(SIZE_BYTES + INT32_BYTES + INT16_BYTES);
  if (count < 0 || frame.length !== fixed + count * API_RANGE_BYTES) {
    throw new Error(`${count} API ranges do not fill the ${frame.length - fixed} bytes after the header`);
  }
  const apis: ApiVersionRange[] = [];
  for (let offset = fixed; offset < frame.length; offset += API_RANGE_BYTES) {
    apis.push({
      apiKey: frame.readInt16BE(offset),
      minVersion: frame.readInt16BE(offset + INT16_BYTES),
      maxVersion: frame.readInt16BE(offset + 2 * INT16_BYTES),
    });
  }
  return { correlationId, errorCode, apis };
}

/**
 * The API keys and highest implemented versions, read from kafkajs's own request modules (each
 * exports the `versions` it implements) rather than copied by hand. Those modules are private:
 * only the pinned kafkajs is read.
 */
export function kafkaJsApis(): KafkaJsApi[] {
  const load = createRequire(import.meta.url);
  const { version } = load('kafkajs/package.json') as { version: string };
  if (version !== PINNED_KAFKAJS_VERSION) {
    throw new Error(`kafkajs ${version} is installed; its request modules were checked for ${PINNED_KAFKAJS_VERSION}`);
  }
  const apiKeys = load('kafkajs/src/protocol/requests/apiKeys.js') as Readonly<Record<string, number>>;
  const { requests } = load('kafkajs/src/protocol/requests/index.js') as {
    requests: Readonly<Record<string, { readonly versions: readonly string[] } | undefined>>;
  };
  return KAFKAJS_APIS.map((name) => {
    const apiKey = apiKeys[name];
    const versions = requests[name]?.versions ?? [];
    if (apiKey === undefined || versions.length === 0) throw new Error(`kafkajs does not implement ${name}`);
    return { name, apiKey, highest: Math.max(...versions.map(Number)) };
  });
}

/** Each API whose highest kafkajs version the broker does not accept, said in one line. */
export function unsupportedApis(kafkaJs: readonly KafkaJsApi[], broker: readonly ApiVersionRange[]): string[] {
  return kafkaJs.flatMap(({ name, apiKey, highest }) => {
    const range = broker.find((candidate) => candidate.apiKey === apiKey);
    if (!range) return [`${name} (key ${apiKey}): the broker does not offer it`];
    if (highest < range.minVersion || highest > range.maxVersion) {
      return [
        `${name} (key ${apiKey}): kafkajs sends v${highest}, the broker accepts v${range.minVersion}-v${range.maxVersion}`,
      ];
    }
    return [];
  });
}

/** `host:port`, `[v6 address]:port` as in KAFKA_BROKERS. */
export function brokerAddress(broker: string): { host: string; port: number } {
  const colon = broker.lastIndexOf(':');
  const port = Number(broker.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`not host:port: ${broker}`);
  return { host: broker.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
}
