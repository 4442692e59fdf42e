import { randomUUID } from 'node:crypto';
import { Topics, deterministicUuid } from '#contracts';
import type { KafkaEvent } from '#kafka';
import { submittedTicket, testDatabaseUrl } from '#testing';
import { consumed, openHistoryStore } from './history-store.js';
import type { HistoryStore } from './history-store.js';
import type { TicketRepository } from '../src/tickets/ticket.repository.js';
import type { IncomingEvent } from '../src/audit/event-sealer.js';
import { EventRecorder } from '../src/recording/event-recorder.service.js';

function kafkaEvent(topic: string, value: unknown, headers: Record<string, string> = {}): KafkaEvent {
  return consumed(topic, value, {
    ...(headers.ce_id ? { id: headers.ce_id } : {}),
    ...(headers.ce_time ? { time: headers.ce_time } : {}),
  });
}

import { EVENT_IDENTITY_SQL, eventIdentity } from '../src/migrations/1766500000000-event-identity.js';

describe(EventRecorder.name, () => {
  let store: HistoryStore;
  let sut: EventRecorder;
  let tickets: TicketRepository;

  beforeAll(async () => {
    store = await openHistoryStore(testDatabaseUrl());
    sut = store.recorder;
    tickets = store.tickets;
  });

  afterAll(async () => {
    await store?.close();
  });

  it('stores an event once however often it is delivered (ce_id)', async () => {
    const ticket = submittedTicket();
    const event = kafkaEvent(Topics.ticketsSubmitted, ticket, { ce_id: randomUUID(), ce_time: ticket.receivedAt });

    const first = await sut.record([event, event]);
    const second = await sut.record([event]);

    expect(first).toBe(1);
    expect(second).toBe(0);
    expect(await tickets.findEvents(ticket.ticketId)).toHaveLength(1);
  });

  it('stores once an event whose id is not ASCII, and keeps apart the same id from two sources', async () => {
    const ticket = submittedTicket();
    const id = `é-🙂-${randomUUID()}`;
    const event = kafkaEvent(Topics.ticketsSubmitted, ticket, { ce_id: id, ce_time: ticket.receivedAt });
    const other = { ...event, cloudEvent: { ...event.cloudEvent, source: '/another/source' } };

    expect(await sut.record([event])).toBe(1);
    expect(await sut.record([event])).toBe(0);
    expect(await sut.record([other])).toBe(1);

    // The identity the recorder looks events up by is the one the unique index holds.
    const [row] = await store.dataSource.query<{ identity: string; source: string | null }[]>(
      `SELECT ${EVENT_IDENTITY_SQL} AS identity, source FROM history.events WHERE ce_id = $1 AND source IS DISTINCT FROM '/another/source'`,
      [id],
    );
    expect(row?.identity).toBe(eventIdentity(id, row?.source ?? null));
  });

  it('derives a stable id for records produced without CloudEvents headers', async () => {
    const ticket = submittedTicket();
    const event = kafkaEvent(Topics.ticketsSubmitted, ticket);

    await sut.record([event]);
    await sut.record([event]);

    const events = await tickets.findEvents(ticket.ticketId);
    expect(events.map((row) => row.ce_id)).toEqual([
      deterministicUuid('kafka-record', Topics.ticketsSubmitted, '0', event.offset),
    ]);
  });

  it('builds the ticket whichever of submitted and routed arrives first', async () => {
    const ticket = submittedTicket({ channel: 'form', requestType: 'bug', urgency: 'high' });
    const routed = {
      ticketId: ticket.ticketId,
      reference: ticket.reference,
      queue: 'support',
      assignee: null,
      priority: 'P2',
      slaDueAt: '2026-11-25T14:00:00.000Z',
      ruleId: 'technical',
      ruleSetVersion: 'test',
      reason: 'technical request',
      alert: null,
      channel: 'form',
      requestType: 'bug',
      locale: 'en',
      orgId: 'org-1',
      routedAt: '2026-11-25T10:00:01.000Z',
    };

    await sut.record([kafkaEvent(Topics.ticketsRouted, routed, { ce_id: randomUUID() })]);
    await sut.record([kafkaEvent(Topics.ticketsSubmitted, ticket, { ce_id: randomUUID() })]);

    const row = await tickets.findTicket(ticket.ticketId);
    expect(row).toMatchObject({
      status: 'routed',
      channel: 'form',
      request_type: 'bug',
      urgency: 'high',
      queue: 'support',
      priority: 'P2',
      rule_id: 'technical',
      allow_workspace_testing: true,
    });
  });

  it('commits batches handed over together in shared transactions (group commit), each caller told its own count', async () => {
    const batches = Array.from({ length: 8 }, () => {
      const ticket = submittedTicket();
      return [kafkaEvent(Topics.ticketsSubmitted, ticket, { ce_id: randomUUID(), ce_time: ticket.receivedAt })];
    });

    const counts = await Promise.all(batches.map((batch) => sut.record(batch)));

    expect(counts).toEqual(batches.map(() => 1));
    const ids = batches.map((batch) => batch[0]?.cloudEvent.id ?? '');
    const rows = await store.dataSource.query<{ transactions: number; stored: number }[]>(
      `SELECT count(DISTINCT xmin::text)::int AS transactions, count(*)::int AS stored FROM history.events WHERE ce_id = ANY($1::text[])`,
      [ids],
    );
    expect(rows[0]?.stored).toBe(8);
    expect(rows[0]?.transactions).toBeLessThan(8);
  });

  it('a batch that cannot be stored fails alone: the batches committed with it are stored', async () => {
    const good = Array.from({ length: 4 }, () =>
      sut.toIncomingEvent(kafkaEvent(Topics.ticketsSubmitted, submittedTicket(), { ce_id: randomUUID() })),
    );
    const broken = {
      ...sut.toIncomingEvent(kafkaEvent(Topics.ticketsSubmitted, submittedTicket(), { ce_id: randomUUID() })),
      occurredAt: 'not a time',
    };

    const outcomes = await Promise.allSettled(
      [good[0], good[1], broken, good[2], good[3]].map((event) => store.history.append([event as IncomingEvent])),
    );

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const rows = await store.dataSource.query<{ ce_id: string }[]>(
      `SELECT ce_id FROM history.events WHERE ce_id = ANY($1::text[])`,
      [[...good, broken].map((event) => event.ceId)],
    );
    expect(rows.map((row) => row.ce_id).sort()).toEqual(good.map((event) => event.ceId).sort());
  });
});
