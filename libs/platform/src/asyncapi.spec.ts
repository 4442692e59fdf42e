import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import type { Diagnostic } from '@asyncapi/parser';
import { IsString } from 'class-validator';
import {
  CloudEventHeaders,
  QueuedTicketPayload,
  RequestRejectedPayload,
  TOPIC_CATALOGUE,
  TicketSubmittedPayload,
  deadLetterTopic,
  validatePayload,
} from '#contracts';
import { DeadLetterHeaders } from '#kafka';
import { submittedTicket } from '#testing';
import { asyncApiDocument, payloadSchemas } from './asyncapi.js';
import type { AsyncApiDocument, JsonSchema } from './asyncapi.js';

/** A service's own DTO that happens to share a contract class's name. */
class WorkspaceTestingConsentPayload {
  @IsString()
  serviceOwnField!: string;
}

const SERVICE = { name: 'intake', version: '1' };

// Spectral and the parser each bring their own copy of the severity enum: compare the numbers.
const isError = (diagnostic: Diagnostic): boolean => Number(diagnostic.severity) === Number(DiagnosticSeverity.Error);

function schemaOf(document: AsyncApiDocument, name: string): JsonSchema {
  const schema = document.components.schemas[name];
  if (!schema) throw new Error(`no schema ${name}`);
  return schema;
}

function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> {
  return schema.properties as Record<string, JsonSchema>;
}

describe(asyncApiDocument.name, () => {
  const sut = asyncApiDocument(SERVICE);

  it('is a valid AsyncAPI 3.0 document', async () => {
    const { document, diagnostics } = await new Parser().parse(asyncApiDocument(SERVICE));

    expect(diagnostics.filter(isError)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.info().title()).toContain(SERVICE.name);
  });

  it('has a channel for every topic of the catalogue, described by it, and one pattern for the dead-letter topics', async () => {
    const { document } = await new Parser().parse(asyncApiDocument(SERVICE));
    const channels = document?.channels().all() ?? [];

    for (const spec of TOPIC_CATALOGUE) {
      const channel = channels.find((candidate) => candidate.address() === spec.name);
      expect(channel?.description()).toBe(spec.description);
      expect(
        channel
          ?.messages()
          .all()
          .map((message) => message.name()),
      ).toEqual([spec.eventType]);
    }
    expect(channels.map((channel) => channel.address())).toContain(deadLetterTopic('{topic}', '{group}'));
    expect(channels).toHaveLength(TOPIC_CATALOGUE.length + 1);
  });

  it('marks compacted topics and topics with personal data', () => {
    for (const spec of TOPIC_CATALOGUE) {
      const channel = Object.values(sut.channels).find((candidate) => candidate.address === spec.name);

      expect(channel?.bindings?.kafka.topicConfiguration['cleanup.policy']).toEqual([
        spec.compacted ? 'compact' : 'delete',
      ]);
      expect(channel?.['x-personal-data']).toBe(spec.personalData);
    }
  });

  it('gives every event the CloudEvents binary-mode headers, the mandatory attributes required', () => {
    const headers = schemaOf(sut, 'CloudEventsKafkaHeaders');

    expect(Object.keys(propertiesOf(headers)).sort()).toEqual(Object.values(CloudEventHeaders).sort());
    expect(headers.required).toEqual(['ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_time', 'content-type']);
    for (const spec of TOPIC_CATALOGUE) {
      expect(JSON.stringify(sut.components.messages[spec.eventType]?.headers)).toContain(
        `{"const":"${spec.eventType}"}`,
      );
    }
  });

  it('documents the dead-letter headers by the names the transport writes', () => {
    const headers = schemaOf(sut, 'DeadLetterHeaders');

    expect(Object.keys(propertiesOf(headers)).sort()).toEqual(Object.values(DeadLetterHeaders).sort());
    expect(headers.required).toContain(DeadLetterHeaders.code);
    expect(headers.required).not.toContain(DeadLetterHeaders.valueTruncated);
  });

  it('documents the nested classes, for an object as for each item of an array', () => {
    expect(propertiesOf(schemaOf(sut, QueuedTicketPayload.name)).ticket).toMatchObject({
      $ref: `#/components/schemas/${TicketSubmittedPayload.name}`,
    });
    expect(propertiesOf(schemaOf(sut, RequestRejectedPayload.name)).errors).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/FieldErrorPayload' },
    });
    expect(sut.components.schemas).toHaveProperty('FieldErrorPayload');
  });

  it("documents only the contract's classes, not a service's class of the same name", () => {
    const schema = schemaOf(sut, WorkspaceTestingConsentPayload.name);

    expect(Object.keys(propertiesOf(schema))).toEqual(['granted', 'grantedBy', 'recordedAt']);
  });
});

describe(payloadSchemas.name, () => {
  const sut = payloadSchemas([TicketSubmittedPayload])[TicketSubmittedPayload.name] as JsonSchema;

  it('requires ticketId, as the class does', () => {
    const { ticketId: _, ...withoutTicketId } = submittedTicket();

    expect(sut.required).toContain('ticketId');
    expect(validatePayload(TicketSubmittedPayload, withoutTicketId).ok).toBe(false);
  });

  it('requires exactly the properties the class refuses to go without', () => {
    for (const property of Object.keys(propertiesOf(sut))) {
      const ticket: Record<string, unknown> = { ...submittedTicket() };
      delete ticket[property];

      const required = (sut.required as string[]).includes(property);

      expect({ property, accepted: validatePayload(TicketSubmittedPayload, ticket).ok }).toEqual({
        property,
        accepted: !required,
      });
    }
  });

  it('lets null through exactly where the class does', () => {
    for (const [property, schema] of Object.entries(propertiesOf(sut))) {
      const allowsNull = JSON.stringify(schema).includes('{"type":"null"}');

      expect({
        property,
        accepted: validatePayload(TicketSubmittedPayload, { ...submittedTicket(), [property]: null }).ok,
      }).toEqual({
        property,
        accepted: allowsNull,
      });
    }
  });

  it('refuses unknown properties, as the class does', () => {
    expect(sut.additionalProperties).toBe(false);
    expect(validatePayload(TicketSubmittedPayload, { ...submittedTicket(), priority: 'P1' }).ok).toBe(false);
  });

  it('refuses a value outside an enumeration the class refuses', () => {
    expect(propertiesOf(sut).channel?.enum).not.toContain('fax');
    expect(validatePayload(TicketSubmittedPayload, { ...submittedTicket(), channel: 'fax' }).ok).toBe(false);
  });
});
