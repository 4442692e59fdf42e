/**
 * Notification delivery: notifications/s to a local webhook receiver, and the time from a
 * phone-desk alert event to the phone desk's webhook call (p50/p95/p99), next to two baselines
 * measured in the same run: the receiver alone (autocannon, signed requests) and a bare Kafka
 * produce -> consume round trip.
 *
 * The service runs as its own process (this file, forked with the argument `service`): the real
 * notification module (intake, deliveries in PostgreSQL, worker, outbox relay, webhook channel)
 * fed by throwaway bench topics instead of the contract topics, so that no service sharing the
 * broker sees the load; its outcome events go to a bench topic too. Bench topics and the bench
 * database are deleted at the end.
 *
 * KAFKA_BROKERS + DATABASE_URL: the servers to use; unset, the test-profile infrastructure.
 * BENCH_TICKETS (default 10000 routed tickets = 20000 notifications), BENCH_ALERTS (default 200),
 * BENCH_ALERT_RATE (alerts/s, default 20).
 * Usage: npm run bench:notification
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { Controller } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import type { Kafka } from 'kafkajs';
import { PhoneDeskAlertPayload, TicketRoutedPayload, topicSpec } from '#contracts';
import type { TopicName } from '#contracts';
import { ConsumerStatus, EventPublisher, KafkaConsumerServer, createKafka, ensureTopics } from '#kafka';
import type { EventPublisherOptions, KafkaEvent, KafkaHandlerOptions, OutgoingEvent } from '#kafka';
import { JsonLogger, KAFKA_CLIENT, ProblemDetailsFilter, TopicProvisioner } from '#platform';
import {
  KafkaTestClient,
  WebhookReceiver,
  isolatedDatabase,
  phoneDeskAlert,
  routedTicket,
  webhookSecret,
} from '#testing';
import { AlertsController } from '../apps/notification/src/alerts/alerts.controller.js';
import { parseWebhookSecrets, webhookHeaders } from '../apps/notification/src/channels/webhook-signature.js';
import { loadNotificationConfig } from '../apps/notification/src/notification.config.js';
import { NotificationModule } from '../apps/notification/src/notification.module.js';
import { NotificationIntake } from '../apps/notification/src/notifying/notification-intake.service.js';
import { benchInfrastructure, machine, percentile, printTable, writeResult } from './bench-support.js';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 10_000);
const ALERTS = Number(process.env.BENCH_ALERTS ?? 200);
const ALERT_RATE = Number(process.env.BENCH_ALERT_RATE ?? 20);
const TARGET_NOTIFICATIONS_PER_SECOND = 2_000;
const TARGET_ALERT_P99_MS = 500;
const PARTITIONS = 6;

/** The bench topics standing in for the contract topics the service reads and writes. */
interface BenchTopics {
  readonly routed: string;
  readonly alerts: string;
  readonly renamed: Readonly<Record<string, string>>;
}

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

function machineCpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, irq, idle } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + irq + idle;
  }
  return { busy, total };
}

/** Share of all cores' time spent busy between two readings (every process on the machine). */
function machineBusyShare(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  return total > 0 ? Math.round(((after.busy - before.busy) / total) * 100) / 100 : 0;
}

function latencySummary(samples: readonly number[]): {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
} {
  const sorted = [...samples].sort((left, right) => left - right);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs / 1000} s`);
    await sleep(5);
  }
}

// ---------------------------------------------------------------------------------------------
// The service process
// ---------------------------------------------------------------------------------------------

/** Sends what the service publishes to the bench topics instead of the contract topics. */
class RenamingPublisher extends EventPublisher {
  constructor(
    kafka: Kafka,
    options: EventPublisherOptions,
    private readonly renamed: Readonly<Record<string, string>>,
  ) {
    super(kafka, options);
  }

  override async publishAll(events: readonly { topic: TopicName; event: OutgoingEvent<unknown> }[]): Promise<void> {
    await super.publishAll(
      events.map(({ topic, event }) => ({
        topic: (this.renamed[topic] ?? topic) as TopicName,
        event: { ...event, type: event.type ?? topicSpec(topic).eventType },
      })),
    );
  }
}

async function serviceRole(): Promise<void> {
  const topics = JSON.parse(process.env.BENCH_TOPICS ?? '{}') as BenchTopics;
  const config = loadNotificationConfig(process.env);

  @Controller()
  class BenchConsumer {
    constructor(private readonly intake: NotificationIntake) {}

    // As NotificationConsumer, on the bench's own topics: the transport checks the payloads.
    @EventPattern<string>(topics.routed, { batch: true, payload: TicketRoutedPayload } satisfies KafkaHandlerOptions)
    async routed(@Payload() events: KafkaEvent<TicketRoutedPayload>[]): Promise<void> {
      await this.intake.onRouted(events);
    }

    @EventPattern<string>(topics.alerts, { batch: true, payload: PhoneDeskAlertPayload } satisfies KafkaHandlerOptions)
    async alerts(@Payload() events: KafkaEvent<PhoneDeskAlertPayload>[]): Promise<void> {
      await this.intake.onAlerts(events);
    }
  }

  const base = NotificationModule.forRoot(config);
  const module: DynamicModule = {
    ...base,
    controllers: [AlertsController, BenchConsumer],
    providers: [
      ...(base.providers ?? []),
      {
        provide: EventPublisher,
        inject: [KAFKA_CLIENT],
        useFactory: (kafka: Kafka): EventPublisher =>
          new RenamingPublisher(kafka, { source: '/support/notification' }, topics.renamed),
      },
    ],
  };
  const logger = new JsonLogger('notification-bench', process.env.LOG_LEVEL ?? 'warn');
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  await app.init();
  const provisioner = app.get(TopicProvisioner);
  app.connectMicroservice(
    {
      strategy: new KafkaConsumerServer({
        kafka: app.get<Kafka>(KAFKA_CLIENT),
        groupId: config.NOTIFICATION_CONSUMER_GROUP,
        publisher: app.get(EventPublisher),
        status: app.get(ConsumerStatus),
        ensureTopics: (names) => provisioner.ensure(names),
        maxAttempts: config.KAFKA_MAX_ATTEMPTS,
        partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
        onFatal: (error) => {
          logger.fatal(`consumer failed: ${error.message}`, 'Bench');
          process.exit(1);
        },
      }),
    },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (message) => {
    if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.send?.({ ready: await app.getUrl() });
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

function runAutocannon(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error: unknown, result) =>
      error ? reject(error instanceof Error ? error : new Error(JSON.stringify(error))) : resolve(result),
    );
  });
}

async function startServiceProcess(env: Record<string, string>): Promise<ChildProcess> {
  const execArgv = process.env.BENCH_CPU_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`]
    : [];
  const child = fork(process.argv[1] ?? '', ['service'], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the service exited with ${code} before it was ready`)));
  });
  return child;
}

/** CPU time the service process has used so far, in ms (user + system). */
async function serviceCpuMs(child: ChildProcess): Promise<number> {
  const usage = await new Promise<NodeJS.CpuUsage>((resolve) => {
    const onMessage = (message: unknown): void => {
      if (typeof message === 'object' && message !== null && 'cpu' in message) {
        child.off('message', onMessage);
        resolve((message as { cpu: NodeJS.CpuUsage }).cpu);
      }
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
  return (usage.user + usage.system) / 1000;
}

async function stopServiceProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Baseline 1: how many signed webhook requests the receiver alone takes (autocannon in this process). */
async function receiverBaseline(
  receiver: WebhookReceiver,
  secret: string,
): Promise<{ requestsPerSecond: number; p99Ms: number }> {
  const body = JSON.stringify({
    type: 'ticket.routed',
    timestamp: new Date().toISOString(),
    data: { ticketId: 'baseline', text: 'x'.repeat(200) },
  });
  const headers = {
    'content-type': 'application/json',
    ...webhookHeaders(parseWebhookSecrets(secret) ?? [], 'baseline', new Date(), body),
  };
  const result = await runAutocannon({
    url: receiver.url('/baseline'),
    method: 'POST',
    headers,
    body,
    connections: 64,
    duration: 5,
  });
  receiver.received.splice(0);
  return { requestsPerSecond: Math.round(result.requests.average), p99Ms: result.latency.p99 };
}

/** Baseline 2: produce -> consume time of single records on the same broker, at the alert rate. */
async function kafkaRoundTrip(
  brokers: string[],
  topic: string,
  count: number,
): Promise<ReturnType<typeof latencySummary>> {
  const kafka = createKafka({ brokers, clientId: 'bench-round-trip' });
  const consumer = kafka.consumer({ groupId: `bench-round-trip-${randomUUID()}`, maxWaitTimeInMs: 250 });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const started = sentAt.get(message.key?.toString() ?? '');
      if (started !== undefined) latencies.push(Date.now() - started);
    },
  });
  await until(() => joined, 30_000, 'round-trip consumer join');
  const client = new KafkaTestClient(brokers);
  for (let index = 0; index < count; index += 1) {
    const key = randomUUID();
    sentAt.set(key, Date.now());
    await client.produce(topic, [{ key, value: '{}' }]);
    await sleep(1000 / ALERT_RATE);
  }
  await until(() => latencies.length >= count, 30_000, 'round trip');
  await consumer.disconnect();
  await client.close();
  return latencySummary(latencies);
}

async function driverRole(): Promise<void> {
  const infra = await benchInfrastructure();
  const brokers = infra.brokers.split(',');
  const run = randomUUID().slice(0, 8);
  const group = `bench-notification-${run}`;
  const topics: BenchTopics = {
    routed: `bench.notification.${run}.routed`,
    alerts: `bench.notification.${run}.alerts`,
    renamed: {
      'support.notifications.v1': `bench.notification.${run}.outcomes`,
      'support.tickets.lifecycle.v1': `bench.notification.${run}.lifecycle`,
    },
  };
  const roundTripTopic = `bench.notification.${run}.round-trip`;
  const benchTopics = [topics.routed, topics.alerts, ...Object.values(topics.renamed), roundTripTopic];
  const dlqTopics = [topics.routed, topics.alerts].map((topic) => `${topic}.${group}.dlq`);
  await ensureTopics({
    brokers,
    partitions: PARTITIONS,
    specs: [],
    extraTopics: benchTopics,
    clientId: 'bench-notification',
  });
  const database = await isolatedDatabase(infra.databaseUrl, 'notification_bench');
  const secret = webhookSecret();
  const receiver = await new WebhookReceiver({ secret }).start();
  const kafka = new KafkaTestClient(brokers);
  let service: ChildProcess | undefined;
  try {
    log('baseline: receiver alone (autocannon, 64 connections, 5 s)');
    const receiverAlone = await receiverBaseline(receiver, secret);
    log(`baseline: Kafka round trip (${ALERTS} records at ${ALERT_RATE}/s)`);
    const roundTrip = await kafkaRoundTrip(brokers, roundTripTopic, ALERTS);

    service = await startServiceProcess({
      KAFKA_BROKERS: infra.brokers,
      DATABASE_URL: database.url,
      NOTIFICATION_CONSUMER_GROUP: group,
      BENCH_TOPICS: JSON.stringify(topics),
      NOTIFY_WEBHOOK_SECRET: secret,
      NOTIFY_RECIPIENTS: JSON.stringify({
        requester: { channel: 'webhook', url: receiver.url('/requester') },
        psm: { channel: 'webhook', url: receiver.url('/psm') },
        support: { channel: 'webhook', url: receiver.url('/support') },
        'phone-desk': { channel: 'webhook', url: receiver.url('/desk') },
        'on-call': { channel: 'webhook', url: receiver.url('/on-call') },
      }),
      LOG_LEVEL: 'warn',
    });

    const delivered = new Map<string, number>();
    /** Tickets of the phase being measured, and how many of them have all their notifications. */
    let expected = new Set<string>();
    let complete = 0;
    const alertReceivedAt = new Map<string, number>();
    let lastReceivedAt = 0;
    const countDelivered = (): void => {
      for (const webhook of receiver.received.splice(0)) {
        const ticketId = String(webhook.json.data.ticketId);
        const count = (delivered.get(ticketId) ?? 0) + 1;
        delivered.set(ticketId, count);
        if (count === 2 && expected.has(ticketId)) complete += 1;
        lastReceivedAt = Math.max(lastReceivedAt, webhook.receivedAt);
        if (webhook.path === '/desk') alertReceivedAt.set(String(webhook.json.data.alertId), webhook.receivedAt);
      }
    };
    const produceRouted = async (count: number): Promise<string[]> => {
      const tickets = Array.from({ length: count }, () =>
        routedTicket({ queue: 'support', priority: 'P2', channel: 'form' }),
      );
      for (let start = 0; start < tickets.length; start += 500) {
        await kafka.produce(
          topics.routed,
          tickets.slice(start, start + 500).map((ticket) => ({ key: ticket.ticketId, value: JSON.stringify(ticket) })),
        );
      }
      return tickets.map((ticket) => ticket.ticketId);
    };
    /** Routed tickets of one phase; each one is done when both its notifications arrived. */
    const track = (ticketIds: readonly string[]): void => {
      expected = new Set(ticketIds);
      complete = ticketIds.filter((ticketId) => (delivered.get(ticketId) ?? 0) >= 2).length;
    };
    const allDelivered = (): boolean => {
      countDelivered();
      return complete >= expected.size;
    };
    const raiseAlerts = async (count: number): Promise<Map<string, number>> => {
      const raisedAt = new Map<string, number>();
      for (let index = 0; index < count; index += 1) {
        const alert = phoneDeskAlert({ raisedAt: new Date().toISOString() });
        raisedAt.set(alert.alertId, Date.now());
        await kafka.produce(topics.alerts, [{ key: alert.ticketId, value: JSON.stringify(alert) }]);
        await sleep(1000 / ALERT_RATE);
      }
      return raisedAt;
    };
    const alertLatencies = async (raisedAt: Map<string, number>): Promise<ReturnType<typeof latencySummary>> => {
      await until(
        () => {
          countDelivered();
          return [...raisedAt.keys()].every((alertId) => alertReceivedAt.has(alertId));
        },
        120_000,
        'alert delivery',
      );
      return latencySummary([...raisedAt].map(([alertId, at]) => (alertReceivedAt.get(alertId) ?? Number.NaN) - at));
    };

    log('warm-up: 500 routed tickets');
    track(await produceRouted(500));
    await until(allDelivered, 120_000, 'warm-up');

    log(`throughput: ${TICKETS} routed tickets (${TICKETS * 2} notifications)`);
    const cpuBefore = await serviceCpuMs(service);
    const driverCpuBefore = process.cpuUsage();
    const machineBefore = machineCpuTimes();
    const started = Date.now();
    lastReceivedAt = 0;
    const burst = await produceRouted(TICKETS);
    const producedInMs = Date.now() - started;
    track(burst);
    await until(allDelivered, 600_000, 'throughput');
    const elapsedMs = lastReceivedAt - started;
    const serviceCpuMsPer1000 = Math.round(((await serviceCpuMs(service)) - cpuBefore) / ((TICKETS * 2) / 1000));
    const driverCpu = process.cpuUsage(driverCpuBefore);
    const receiverCpuMsPer1000 = Math.round((driverCpu.user + driverCpu.system) / 1000 / ((TICKETS * 2) / 1000));
    const machineBusy = machineBusyShare(machineBefore, machineCpuTimes());
    const notificationsPerSecond = Math.round((TICKETS * 2 * 1000) / elapsedMs);

    log(`alerts, service idle: ${ALERTS} at ${ALERT_RATE}/s`);
    const idle = await alertLatencies(await raiseAlerts(ALERTS));

    log(`alerts during a burst of ${TICKETS / 2} routed tickets`);
    const loadTickets = produceRouted(TICKETS / 2);
    const underLoad = await alertLatencies(await raiseAlerts(Math.min(ALERTS, 100)));
    track(await loadTickets);
    await until(allDelivered, 600_000, 'burst under alerts');

    const result = {
      benchmark: 'notification',
      at: new Date().toISOString(),
      machine: machine(),
      settings: {
        tickets: TICKETS,
        notifications: TICKETS * 2,
        alerts: ALERTS,
        alertRatePerSecond: ALERT_RATE,
        partitions: PARTITIONS,
      },
      baselines: { receiverAlone, kafkaRoundTripMs: roundTrip },
      results: {
        notificationsPerSecond,
        throughputElapsedMs: elapsedMs,
        serviceCpuMsPer1000Notifications: serviceCpuMsPer1000,
        benchProcessCpuMsPer1000Notifications: receiverCpuMsPer1000,
        machineCpuBusyShareDuringThroughput: machineBusy,
        producedInMs,
        alertToDeskWebhookMs: idle,
        alertToDeskWebhookUnderLoadMs: underLoad,
      },
      targets: { notificationsPerSecond: TARGET_NOTIFICATIONS_PER_SECOND, alertP99Ms: TARGET_ALERT_P99_MS },
      pass: notificationsPerSecond >= TARGET_NOTIFICATIONS_PER_SECOND && idle.p99 < TARGET_ALERT_P99_MS,
    };
    printTable('Notification delivery (local webhook receiver)', [
      {
        measure: 'notifications/s (routed -> signed webhook)',
        value: notificationsPerSecond,
        target: `>= ${TARGET_NOTIFICATIONS_PER_SECOND}`,
        baseline: `receiver alone: ${receiverAlone.requestsPerSecond} req/s`,
      },
      {
        measure: 'service CPU ms per 1000 notifications',
        value: serviceCpuMsPer1000,
        target: '',
        baseline: `receiver + producer: ${receiverCpuMsPer1000}`,
      },
      {
        measure: 'machine CPU busy during the burst',
        value: `${Math.round(machineBusy * 100)} %`,
        target: '',
        baseline: `${cpus().length} cores`,
      },
      {
        measure: 'alert -> desk webhook p50 ms',
        value: idle.p50,
        target: '',
        baseline: `Kafka round trip p50: ${roundTrip.p50}`,
      },
      {
        measure: 'alert -> desk webhook p99 ms',
        value: idle.p99,
        target: `< ${TARGET_ALERT_P99_MS}`,
        baseline: `Kafka round trip p99: ${roundTrip.p99}`,
      },
      {
        measure: 'alert -> desk webhook max ms',
        value: idle.max,
        target: '',
        baseline: `Kafka round trip max: ${roundTrip.max}`,
      },
      { measure: 'alert p99 ms during a burst', value: underLoad.p99, target: '', baseline: '' },
    ]);
    process.stdout.write(
      `\n${result.pass ? 'PASS' : 'BELOW TARGET'}; written to ${writeResult('notification', result)}\n`,
    );
  } finally {
    if (service) await stopServiceProcess(service);
    await kafka.close();
    await receiver.stop();
    await database.drop().catch((error: unknown) => log(`could not drop the bench database: ${String(error)}`));
    const admin = createKafka({ brokers, clientId: 'bench-notification-cleanup' }).admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: [...benchTopics, ...dlqTopics] })
      .catch((error: unknown) => log(`could not delete the bench topics: ${String(error)}`));
    await admin.disconnect();
    await infra.release();
  }
}

if (process.argv[2] === 'service') await serviceRole();
else await driverRole();
