import { randomUUID } from 'node:crypto';
import { Topics } from '#contracts';
import type { TicketSubmittedPayload } from '#contracts';
import type { KafkaEvent } from '#kafka';
import { DEVELOPMENT, migratedDataSource } from '#platform';
import { DEFAULT_RULES_FILE } from '#rules';
import type { DueTime } from '#rules';
import { lifecycleEvent, routedTicket } from '#testing';
import type { DataSource } from 'typeorm';
import { HISTORY_APP_ROLE } from '../src/history.config.js';
import { HISTORY_MIGRATIONS_TABLE, historyMigrations } from '../src/history.module.js';
import { SubjectVault } from '../src/privacy/subject-vault.js';
import { serviceLevelsOf } from '../src/service-levels.provider.js';
import { EventRecorder } from '../src/recording/event-recorder.service.js';
import { HistoryRepository } from '../src/recording/history.repository.js';
import { TicketRepository } from '../src/tickets/ticket.repository.js';

/** The history store as the service opens it: migrated by the owner, used as the restricted role. */
export interface HistoryStore {
  readonly dataSource: DataSource;
  readonly vault: SubjectVault;
  readonly recorder: EventRecorder;
  readonly history: HistoryRepository;
  readonly tickets: TicketRepository;
  /** The default rule set's due times, as the service has them. */
  readonly dueAt: DueTime;
  close(): Promise<void>;
}

export async function openHistoryStore(url: string): Promise<HistoryStore> {
  const vault = SubjectVault.fromBase64(DEVELOPMENT.historyMasterKey);
  const dueAt = serviceLevelsOf(DEFAULT_RULES_FILE);
  const dataSource = await migratedDataSource({
    url,
    entities: [],
    migrations: historyMigrations(vault, dueAt),
    migrationsTableName: HISTORY_MIGRATIONS_TABLE,
    serviceUrl: asRole(url, HISTORY_APP_ROLE),
  });
  const history = new HistoryRepository(dataSource, vault, dueAt);
  return {
    dataSource,
    vault,
    history,
    recorder: new EventRecorder(history),
    tickets: new TicketRepository(dataSource, vault),
    dueAt,
    close: () => dataSource.destroy(),
  };
}

/** The URL with another user (the local test server trusts its users). */
export function asRole(url: string, role: string): string {
  const withRole = new URL(url);
  withRole.username = role;
  withRole.password = '';
  return withRole.toString();
}

// Offsets unique across runs: ids derived from (topic, partition, offset) must not meet earlier rows.
let offset = Date.now() * 1000;

/** A consumed record as the transport hands it over; `ce_id` random unless given. */
export function consumed(
  topic: string,
  value: unknown,
  cloudEvent: { id?: string; time?: string; type?: string } = { id: randomUUID() },
): KafkaEvent {
  offset += 1;
  return {
    topic,
    partition: 0,
    offset: String(offset),
    key: null,
    value,
    rawValue: Buffer.from(JSON.stringify(value)),
    headers: {},
    cloudEvent,
    timestamp: String(Date.now()),
  };
}

/**
 * Everything history records about one ticket, in pipeline order: submitted, routed, its queue
 * event, a claim with a private note, a reply, and the requester's notification.
 */
export function ticketStory(
  ticket: TicketSubmittedPayload,
  options: { slaDueAt?: string; claimedAt?: string; repliedAt?: string } = {},
): KafkaEvent[] {
  const routed = routedTicket({
    ticketId: ticket.ticketId,
    reference: ticket.reference,
    channel: ticket.channel,
    requestType: ticket.requestType,
    orgId: ticket.requester.orgId,
    queue: 'support',
    priority: 'P2',
    slaDueAt: options.slaDueAt ?? '2026-11-25T14:00:00.000Z',
    ruleId: 'technical',
    reason: 'technical request',
    routedAt: ticket.receivedAt,
  });
  const queued = {
    ticketId: ticket.ticketId,
    reference: ticket.reference,
    queue: routed.queue,
    assignee: null,
    priority: routed.priority,
    slaDueAt: routed.slaDueAt,
    ruleId: routed.ruleId,
    reason: routed.reason,
    ticket,
  };
  return [
    consumed(Topics.ticketsSubmitted, ticket, { id: randomUUID(), time: ticket.receivedAt }),
    consumed(Topics.ticketsRouted, routed, { id: randomUUID(), time: ticket.receivedAt }),
    consumed(Topics.queueSupport, queued),
    consumed(
      Topics.ticketsLifecycle,
      lifecycleEvent({
        ticketId: ticket.ticketId,
        event: 'claimed',
        at: options.claimedAt ?? '2026-11-25T11:00:00.000Z',
        note: `called ${ticket.requester.name ?? 'them'} back`,
      }),
    ),
    consumed(
      Topics.ticketsLifecycle,
      lifecycleEvent({
        ticketId: ticket.ticketId,
        event: 'replied',
        at: options.repliedAt ?? '2026-11-25T11:30:00.000Z',
      }),
    ),
    consumed(Topics.notifications, {
      notificationId: randomUUID(),
      ticketId: ticket.ticketId,
      audience: 'requester',
      channel: 'log',
      outcome: 'sent',
      attempt: 1,
      at: '2026-11-25T11:30:01.000Z',
    }),
  ];
}
