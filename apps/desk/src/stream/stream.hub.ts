import { Injectable, Logger } from '@nestjs/common';
import type { MessageEvent, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { Observable, Subject } from 'rxjs';
import { messageOf } from '#kafka';
import { DeskConfig } from '../desk.config.js';
import type { DeskTicket } from '../tickets/desk-ticket.entity.js';
import { DeskTicketRepository, STREAM_CHANNEL } from '../tickets/desk-ticket.repository.js';
import type { StreamRow } from '../tickets/desk-ticket.repository.js';
import { toQueueTicketView } from '../tickets/desk.views.js';

/** A stream row with the ticket as it is when the row is sent. */
interface Delivery {
  readonly row: StreamRow;
  readonly ticket: DeskTicket;
}

const PAGE = 500;
/** NOTIFY wakes the hub at once; this catches what a dropped listening connection missed. */
const POLL_INTERVAL_MS = 1_000;
/** Keeps idle connections open through proxies, and tells a client the stream is alive. */
export const HEARTBEAT_INTERVAL_MS = 15_000;

/**
 * The agents' live stream. Every instance listens for new stream rows (PostgreSQL NOTIFY, and a
 * poll as a safety net), whichever instance wrote them, and hands them to its connected agents;
 * a client reconnecting with `Last-Event-ID` is first given every row after that id, so it misses
 * nothing, then joins the live rows without a gap or a repeat.
 */
@Injectable()
export class StreamHub implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StreamHub.name);
  private readonly deliveries = new Subject<Delivery>();
  private listener: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private head = 0n;
  private reading: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly tickets: DeskTicketRepository,
    private readonly config: DeskConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.head = await this.tickets.lastStreamSeq();
    await this.listen();
    this.timer = setInterval(() => this.wake(), POLL_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.deliveries.complete();
    await this.reading;
    await this.listener?.end().catch(() => undefined);
  }

  /** The live stream of someone's queues, from just after `lastEventId` when given. */
  stream(filter: (row: StreamRow) => boolean, lastEventId: bigint | undefined): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      let sentUpTo = lastEventId ?? this.head;
      let replaying = lastEventId !== undefined;
      const held: Delivery[] = [];
      const send = (delivery: Delivery): void => {
        if (delivery.row.seq <= sentUpTo) return;
        sentUpTo = delivery.row.seq;
        if (!filter(delivery.row)) return;
        subscriber.next({
          id: delivery.row.seq.toString(),
          type: delivery.row.kind,
          data: toQueueTicketView(delivery.ticket),
        });
      };
      const live = this.deliveries.subscribe({
        next: (delivery) => (replaying ? held.push(delivery) : send(delivery)),
        complete: () => subscriber.complete(),
      });
      const heartbeat = setInterval(() => subscriber.next({ type: 'heartbeat', data: {} }), HEARTBEAT_INTERVAL_MS);
      heartbeat.unref();
      if (replaying) {
        void this.replay(sentUpTo, send)
          .then(() => {
            replaying = false;
            for (const delivery of held.splice(0)) send(delivery);
          })
          .catch((error: unknown) => subscriber.error(error));
      }
      return () => {
        live.unsubscribe();
        clearInterval(heartbeat);
      };
    });
  }

  /** Reads new rows now (a NOTIFY, the poll). */
  wake(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readNew()
      .catch((error: unknown) => this.logger.warn(`cannot read the stream: ${messageOf(error)}`))
      .finally(() => {
        this.reading = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async readNew(): Promise<void> {
    // Nobody connected: only where the stream is now, for whoever connects next (no rows, no tickets).
    if (!this.deliveries.observed) {
      this.head = await this.tickets.lastStreamSeq();
      return;
    }
    for (;;) {
      const rows = await this.tickets.streamSince(this.head, PAGE);
      if (rows.length === 0) return;
      for (const delivery of await this.withTickets(rows)) this.deliveries.next(delivery);
      this.head = rows[rows.length - 1]!.seq;
      if (rows.length < PAGE) return;
    }
  }

  private async replay(after: bigint, send: (delivery: Delivery) => void): Promise<void> {
    let from = after;
    for (;;) {
      const rows = await this.tickets.streamSince(from, PAGE);
      for (const delivery of await this.withTickets(rows)) send(delivery);
      if (rows.length < PAGE) return;
      from = rows[rows.length - 1]!.seq;
    }
  }

  private async withTickets(rows: readonly StreamRow[]): Promise<Delivery[]> {
    const tickets = await this.tickets.ticketsById(rows.map((row) => row.ticketId));
    const deliveries: Delivery[] = [];
    for (const row of rows) {
      const ticket = tickets.get(row.ticketId);
      if (ticket && ticket.queue !== null) deliveries.push({ row, ticket });
    }
    return deliveries;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.DATABASE_URL });
    client.on('notification', () => this.wake());
    client.on('error', (error) => {
      this.logger.warn(`stream listener lost: ${messageOf(error)}; polling until it is back`);
      this.listener = undefined;
      if (!this.stopped) setTimeout(() => void this.listen().catch(() => undefined), POLL_INTERVAL_MS).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${STREAM_CHANNEL}`);
    this.listener = client;
  }
}
