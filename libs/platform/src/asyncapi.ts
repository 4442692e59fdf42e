import { createRequire } from 'node:module';
import { IS_ISO8601, IS_OPTIONAL, MetadataStorage, ValidationTypes, getMetadataStorage } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import {
  CLOUDEVENTS_SPEC_VERSION,
  CloudEventHeaders,
  ConsumerGroups,
  JSON_CONTENT_TYPE,
  TOPIC_CATALOGUE,
  TOPIC_PAYLOAD_CLASSES,
  Topics,
  deadLetterTopic,
} from '#contracts';
import type { TopicSpec } from '#contracts';
import {
  DEAD_LETTER_HEADERS_MAX_BYTES,
  DEAD_LETTER_KEY_MAX_BYTES,
  DEAD_LETTER_VALUE_MAX_BYTES,
  DeadLetterHeaders,
} from '#kafka';

/** The service that serves the document; the contract it describes is the same in every service. */
export interface AsyncApiService {
  readonly name: string;
  readonly version: string;
}

export type JsonSchema = { readonly [keyword: string]: unknown };

interface Reference {
  readonly $ref: string;
}

export interface AsyncApiMessage {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly contentType?: string;
  readonly headers: JsonSchema;
  readonly payload: JsonSchema;
  readonly correlationId?: { readonly description: string; readonly location: string };
  readonly bindings: { readonly kafka: { readonly key: JsonSchema; readonly bindingVersion: string } };
}

export interface AsyncApiChannel {
  readonly address: string;
  readonly title: string;
  readonly description: string;
  readonly parameters?: Readonly<Record<string, { readonly description: string; readonly enum: readonly string[] }>>;
  readonly messages: Readonly<Record<string, Reference>>;
  readonly bindings?: {
    readonly kafka: {
      readonly topic: string;
      readonly topicConfiguration: { readonly 'cleanup.policy': readonly ('compact' | 'delete')[] };
      readonly bindingVersion: string;
    };
  };
  /** Whether the records name people (names, addresses, user ids, free text): retention and erasure apply. */
  readonly 'x-personal-data': boolean;
  /** The payload field whose value is the record key. */
  readonly 'x-record-key'?: string;
}

/** A type alias rather than an interface, so that it passes where a JSON object is expected (the parser's input). */
export type AsyncApiDocument = {
  readonly asyncapi: typeof ASYNCAPI_VERSION;
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly defaultContentType: string;
  readonly channels: Readonly<Record<string, AsyncApiChannel>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly messages: Readonly<Record<string, AsyncApiMessage>>;
  };
};

/**
 * The version of the contract as a whole: the `v1` that every topic and event type carries. A
 * breaking change to one event is a new topic, so this moves only when they all do.
 */
export const EVENT_CONTRACT_VERSION = '1';

const ASYNCAPI_VERSION = '3.0.0';
const KAFKA_BINDING_VERSION = '0.5.0';
const SCHEMAS = '#/components/schemas/';
const MESSAGES = '#/components/messages/';
const CLOUDEVENTS_HEADERS_SCHEMA = 'CloudEventsKafkaHeaders';
const DEAD_LETTER_HEADERS_SCHEMA = 'DeadLetterHeaders';
const DEAD_LETTER_CHANNEL = 'deadLetters';
const DEAD_LETTER_MESSAGE = 'deadLetter';

/** What each CloudEvents header carries; typed by the header map, so a new header cannot go undocumented. */
const CLOUDEVENTS_HEADERS: Record<keyof typeof CloudEventHeaders, { schema: JsonSchema; required: boolean }> = {
  specVersion: { required: true, schema: { type: 'string', const: CLOUDEVENTS_SPEC_VERSION } },
  id: {
    required: true,
    schema: { type: 'string', description: 'event id; a redelivered or republished event keeps it (deduplication)' },
  },
  source: { required: true, schema: { type: 'string', description: 'the publishing service, e.g. /support/intake' } },
  type: { required: true, schema: { type: 'string', description: 'the event type of the topic' } },
  time: { required: true, schema: { type: 'string', format: 'date-time' } },
  subject: { required: false, schema: { type: 'string', description: 'the entity the event is about (the key)' } },
  contentType: { required: true, schema: { type: 'string', const: JSON_CONTENT_TYPE } },
  traceparent: { required: false, schema: { type: 'string', description: 'W3C trace context of the publishing span' } },
  correlationId: {
    required: false,
    schema: { type: 'string', description: 'id of the first event of the flow (the request)' },
  },
  causationId: { required: false, schema: { type: 'string', description: 'ce_id of the event that caused this one' } },
};

/** Typed by the header map of dead letters, as above. */
const DEAD_LETTER_HEADERS: Record<keyof typeof DeadLetterHeaders, { description: string; required: boolean }> = {
  topic: { required: true, description: 'topic of the record that failed' },
  partition: { required: true, description: 'its partition (decimal)' },
  offset: { required: true, description: 'its offset (decimal), where the whole original stays' },
  group: { required: true, description: 'the consumer group that gave up on it' },
  code: { required: true, description: 'stable error code of the failure' },
  message: { required: true, description: 'why it failed, cut short when long' },
  attempts: { required: true, description: 'how many times the group tried (decimal)' },
  failedAt: { required: true, description: 'when the group gave up (ISO 8601)' },
  valueBytes: { required: false, description: 'size of the whole original value; absent for a null value' },
  valueSha256: { required: false, description: 'SHA-256 (hex) of the whole original value; absent for a null value' },
  valueTruncated: {
    required: false,
    description: `"true" when the value here is the first ${DEAD_LETTER_VALUE_MAX_BYTES} bytes of the original`,
  },
  keyTruncated: {
    required: false,
    description: `"true" when the key here is the first ${DEAD_LETTER_KEY_MAX_BYTES} bytes of the original`,
  },
  headersDropped: {
    required: false,
    description: `how many original headers did not fit in ${DEAD_LETTER_HEADERS_MAX_BYTES} bytes`,
  },
};

type SchemaOptions = NonNullable<Parameters<typeof validationMetadatasToSchemas>[0]>;
type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];
type ClassTransformerStorage = NonNullable<SchemaOptions['classTransformerMetadataStorage']>;
type PayloadClass = new () => object;

/** The only class-transformer whose private storage module this reads (as `payload-check.ts` does). */
const PINNED_CLASS_TRANSFORMER_VERSION = '0.5.1';

/**
 * class-transformer keeps the classes named by `@Type` in a storage its index does not export;
 * without it, a nested array (`errors: FieldErrorPayload[]`) would be documented as a bare array.
 */
function classTransformerStorage(): ClassTransformerStorage {
  const load = createRequire(import.meta.url);
  const { version } = load('class-transformer/package.json') as { version: string };
  if (version !== PINNED_CLASS_TRANSFORMER_VERSION) {
    throw new Error(
      `class-transformer ${version} is installed; its private storage module was checked against ${PINNED_CLASS_TRANSFORMER_VERSION} only`,
    );
  }
  return (load('class-transformer/cjs/storage.js') as { defaultMetadataStorage: ClassTransformerStorage })
    .defaultMetadataStorage;
}

/**
 * The class-validator metadata of the payload classes and the classes they nest, and nothing else:
 * schemas are named by class, and a service's own DTO of the same name must not merge into one.
 */
function contractMetadata(
  roots: readonly PayloadClass[],
  transformer: ClassTransformerStorage,
): { storage: MetadataStorage; classes: Function[] } {
  const storage = new MetadataStorage();
  const classes = new Set<Function>();
  const added = new Set<ValidationMetadata>();
  const constraints = new Set<unknown>();
  const pending: Function[] = [...roots];
  for (let type = pending.pop(); type !== undefined; type = pending.pop()) {
    if (classes.has(type)) continue;
    classes.add(type);
    for (const metadata of metadataOf(type)) {
      if (added.has(metadata)) continue;
      added.add(metadata);
      storage.addValidationMetadata(metadata);
      for (const constraint of getMetadataStorage().getTargetValidatorConstraints(metadata.constraintCls)) {
        if (!constraints.has(constraint)) storage.addConstraintMetadata(constraint);
        constraints.add(constraint);
      }
      if (metadata.type === ValidationTypes.NESTED_VALIDATION && typeof metadata.target === 'function') {
        const nested = transformer.findTypeMetadata(metadata.target, metadata.propertyName)?.typeFunction();
        if (typeof nested === 'function') pending.push(nested);
      }
    }
  }
  return { storage, classes: [...classes] };
}

/** A class's own and inherited metadata, as class-validator gathers it to validate an instance. */
function metadataOf(type: Function): ValidationMetadata[] {
  return getMetadataStorage().getTargetValidationMetadatas(type, '', true, false);
}

/**
 * JSON schemas of the payload classes and the classes they nest, for `components.schemas`, made to
 * accept what `validatePayload` accepts: `@IsOptional` lets null through as well as absence, and
 * unknown properties are refused (whitelist, forbidNonWhitelisted).
 */
export function payloadSchemas(roots: readonly PayloadClass[]): Record<string, JsonSchema> {
  const transformer = classTransformerStorage();
  const { storage, classes } = contractMetadata(roots, transformer);
  const generated = validationMetadatasToSchemas({
    classValidatorMetadataStorage: storage,
    classTransformerMetadataStorage: transformer,
    refPointerPrefix: SCHEMAS,
    additionalConverters: {
      // A custom constraint is code, which a schema cannot say; the property's other decorators give its type.
      [ValidationTypes.CUSTOM_VALIDATION]: {},
      // The default, oneOf date | date-time, is ambiguous to a validator that ignores formats.
      [IS_ISO8601]: { type: 'string', anyOf: [{ format: 'date-time' }, { format: 'date' }] },
    },
  }) as Record<string, JsonSchema>;

  const schemas: Record<string, JsonSchema> = {};
  for (const type of classes) {
    const schema = generated[type.name];
    if (schema === undefined) throw new Error(`${type.name} has no class-validator metadata to document`);
    const optional = new Set(
      metadataOf(type)
        .filter((metadata) => metadata.name === IS_OPTIONAL)
        .map((metadata) => metadata.propertyName),
    );
    const properties = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).map(
      ([property, propertySchema]) =>
        [property, optional.has(property) ? { anyOf: [propertySchema, { type: 'null' }] } : propertySchema] as const,
    );
    schemas[type.name] = { ...schema, properties: Object.fromEntries(properties), additionalProperties: false };
  }
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}

/** Channel ids are the names the code uses for the topics (`Topics.ticketsSubmitted` is `ticketsSubmitted`). */
function channelIdOf(topic: string): string {
  const entry = Object.entries(Topics).find(([, name]) => name === topic);
  if (!entry) throw new Error(`${topic} is in the catalogue but not in Topics`);
  return entry[0];
}

function headersSchema(): JsonSchema {
  const headers = Object.entries(CLOUDEVENTS_HEADERS) as [
    keyof typeof CloudEventHeaders,
    { schema: JsonSchema; required: boolean },
  ][];
  return {
    type: 'object',
    description:
      'CloudEvents 1.0, Kafka protocol binding, binary content mode: the attributes as headers, the data as the value',
    properties: Object.fromEntries(headers.map(([attribute, { schema }]) => [CloudEventHeaders[attribute], schema])),
    required: headers.filter(([, { required }]) => required).map(([attribute]) => CloudEventHeaders[attribute]),
  };
}

function deadLetterHeadersSchema(): JsonSchema {
  const headers = Object.entries(DEAD_LETTER_HEADERS) as [
    keyof typeof DeadLetterHeaders,
    { description: string; required: boolean },
  ][];
  return {
    type: 'object',
    description: "the original record's headers (CloudEvents included, bounded), then why it failed",
    properties: Object.fromEntries(
      headers.map(([name, { description }]) => [DeadLetterHeaders[name], { type: 'string', description }]),
    ),
    required: headers.filter(([, { required }]) => required).map(([name]) => DeadLetterHeaders[name]),
    additionalProperties: { type: 'string' },
  };
}

function topicMessage(spec: TopicSpec, payload: JsonSchema): AsyncApiMessage {
  const keyAlwaysSet = Array.isArray(payload.required) && payload.required.includes(spec.key);
  return {
    name: spec.eventType,
    title: spec.eventType,
    summary: spec.description,
    contentType: JSON_CONTENT_TYPE,
    headers: {
      allOf: [
        { $ref: `${SCHEMAS}${CLOUDEVENTS_HEADERS_SCHEMA}` },
        { type: 'object', properties: { [CloudEventHeaders.type]: { const: spec.eventType } } },
      ],
    },
    payload: { $ref: `${SCHEMAS}${TOPIC_PAYLOAD_CLASSES[spec.name].name}` },
    correlationId: {
      description: 'the first event of the flow: every event and log line of one request carries it',
      location: `$message.header#/${CloudEventHeaders.correlationId}`,
    },
    bindings: {
      kafka: {
        key: {
          type: keyAlwaysSet ? 'string' : ['string', 'null'],
          description: `the payload's ${spec.key}, UTF-8; records of one ${spec.key} share a partition, in order`,
        },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
}

function topicChannel(spec: TopicSpec): AsyncApiChannel {
  return {
    address: spec.name,
    title: spec.name,
    description: spec.description,
    messages: { [spec.eventType]: { $ref: `${MESSAGES}${spec.eventType}` } },
    bindings: {
      kafka: {
        topic: spec.name,
        topicConfiguration: { 'cleanup.policy': [spec.compacted ? 'compact' : 'delete'] },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
    'x-personal-data': spec.personalData,
    'x-record-key': spec.key,
  };
}

/** Every dead-letter topic at once: `deadLetterTopic(topic, group)` names one per source topic and consumer group. */
function deadLetterChannel(): AsyncApiChannel {
  const address = deadLetterTopic('{topic}', '{group}');
  return {
    address,
    title: 'dead letters',
    description:
      'A record a consumer group could not handle, after its retries, copied here with why; the group then moves on. ' +
      'One topic per source topic and group, created when the group starts.',
    parameters: {
      topic: { description: 'the topic the record was read from', enum: TOPIC_CATALOGUE.map((spec) => spec.name) },
      group: { description: 'the consumer group that gave up on it', enum: Object.values(ConsumerGroups) },
    },
    messages: { [DEAD_LETTER_MESSAGE]: { $ref: `${MESSAGES}${DEAD_LETTER_MESSAGE}` } },
    // They copy records of topics that carry personal data.
    'x-personal-data': true,
  };
}

function deadLetterMessage(): AsyncApiMessage {
  return {
    name: DEAD_LETTER_MESSAGE,
    title: 'dead letter',
    summary: 'the original key, value and headers (bounded), and the failure',
    headers: { $ref: `${SCHEMAS}${DEAD_LETTER_HEADERS_SCHEMA}` },
    payload: {
      description: `the original value, as read (possibly not JSON); its first ${DEAD_LETTER_VALUE_MAX_BYTES} bytes when ${DeadLetterHeaders.valueTruncated} is "true"`,
    },
    bindings: {
      kafka: {
        key: {
          type: ['string', 'null'],
          description: `the original key; its first ${DEAD_LETTER_KEY_MAX_BYTES} bytes when ${DeadLetterHeaders.keyTruncated} is "true"`,
        },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
}

/**
 * The AsyncAPI 3.0 description of the Kafka contract, generated from the topic catalogue and the
 * payload classes, so it cannot drift from what the services publish and validate.
 */
export function asyncApiDocument(service: AsyncApiService): AsyncApiDocument {
  const schemas = payloadSchemas(Object.values(TOPIC_PAYLOAD_CLASSES));
  const messages: Record<string, AsyncApiMessage> = {};
  const channels: Record<string, AsyncApiChannel> = {};
  for (const spec of TOPIC_CATALOGUE) {
    const payload = schemas[TOPIC_PAYLOAD_CLASSES[spec.name].name] ?? {};
    messages[spec.eventType] = topicMessage(spec, payload);
    channels[channelIdOf(spec.name)] = topicChannel(spec);
  }
  channels[DEAD_LETTER_CHANNEL] = deadLetterChannel();
  messages[DEAD_LETTER_MESSAGE] = deadLetterMessage();
  return {
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title: `Support ticket routing events (${service.name})`,
      version: service.version,
      description:
        'The Kafka topics of support-ticket routing. Every service serves the same contract: records are JSON ' +
        'CloudEvents in binary content mode, keyed by the entity they are about.',
    },
    defaultContentType: JSON_CONTENT_TYPE,
    channels,
    components: {
      schemas: {
        ...schemas,
        [CLOUDEVENTS_HEADERS_SCHEMA]: headersSchema(),
        [DEAD_LETTER_HEADERS_SCHEMA]: deadLetterHeadersSchema(),
      },
      messages,
    },
  };
}
