/**
 * Routing throughput through Kafka, next to a pass-through baseline measured in the same run.
 *
 * Both pipelines run in this process on the same transport (`KafkaConsumerServer`, transactional
 * batch handlers: one transaction per fetched partition batch holding the outputs and the consumed
 * offset), read the same pre-produced tickets with a fresh consumer group each, and are timed from
 * their first handled batch until the group's committed offsets reach the end of the input topic.
 *
 * - pass-through: each input record is staged unchanged to one output topic (no parsing, no logic);
 * - fan-out: the same, to as many outputs as routing writes (2 per ticket, 3 for one in nine), to
 *   separate what routing costs from what writing more records costs;
 * - routing: the routing service's handler path (`RoutingService.route`: validation, rules, access
 *   lexicon, calendar and SLA, the routed/queue/alert events with their CloudEvents envelope).
 *
 * The outputs go to throwaway bench topics, not to the contract topics, so that no service of a
 * shared broker consumes them; all bench topics are deleted at the end.
 *
 * KAFKA_BROKERS: the broker to use; unset, the test-profile infrastructure is used (and stopped
 * afterwards if this run started it). BENCH_TICKETS (default 50000), BENCH_ROUNDS (default 3).
 * Usage: npm run bench:routing
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Catch, Controller, Logger, Module } from '@nestjs/common';
import type { INestMicroservice, RpcExceptionFilter } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { TicketSubmittedPayload, Topics, deadLetterTopic, toCloudEventHeaders, topicSpec } from '#contracts';
import type { TopicName, TopicPayloads } from '#contracts';
import {
  ConsumerStatus,
  EventPublisher,
  KafkaConsumerServer,
  KafkaEventContext,
  TransactionScope,
  createKafka,
  ensureTopics,
  kafkaMetrics,
} from '#kafka';
import type { EventSink, KafkaEvent, KafkaHandlerOptions, OutgoingEvent, TopicEvent } from '#kafka';
import { KafkaTestClient, submittedTicket } from '#testing';
import { PsmDirectory } from '../apps/routing/src/psm/psm-directory.js';
import { RoutingService } from '../apps/routing/src/routing/routing.service.js';
import { loadRuleSet } from '#rules';
import { RoutingPolicy } from '../apps/routing/src/rules/routing-policy.js';
import { ensureInfrastructure, kafkaAnswers, parseBrokers, stopInfrastructure } from '../tools/infra/index.js';

const TICKETS = Number(process.env['BENCH_TICKETS'] ?? 50_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const PARTITIONS = 6;
const TARGET_RATE = 10_000;
const TARGET_RATIO = 0.6;
const RESULTS_FILE = resolve(process.cwd(), 'bench/results/routing.json');

const run = randomUUID().slice(0, 8);
const INPUT = `bench.routing.${run}.submitted`;
const PASS_THROUGH_OUTPUT = `bench.routing.${run}.pass-through`;
const FAN_OUT_OUTPUTS = [
  `bench.routing.${run}.fan-out-a`,
  `bench.routing.${run}.fan-out-b`,
  `bench.routing.${run}.fan-out-c`,
] as const;
/** Contract topic -> bench topic the routing outputs go to instead. */
const RENAMED: Readonly<Record<string, string>> = {
  [Topics.ticketsRouted]: `bench.routing.${run}.routed`,
  [Topics.queuePsm]: `bench.routing.${run}.queue-psm`,
  [Topics.queueSupport]: `bench.routing.${run}.queue-support`,
  [Topics.alertsPhoneDesk]: `bench.routing.${run}.alerts`,
};
const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

type Pipeline = 'pass-through' | 'fan-out' | 'routing';
const PIPELINES: readonly Pipeline[] = ['pass-through', 'fan-out', 'routing'];

interface Measurement {
  readonly pipeline: Pipeline;
  readonly round: number;
  readonly tickets: number;
  readonly seconds: number;
  readonly ticketsPerSecond: number;
  /** CPU time of this process (the broker's is not included) per 1,000 tickets. */
  readonly cpuMsPerThousand: number;
  readonly outputRecords: number;
  /** Transactions that failed or were fenced (their batches were handled again). */
  readonly failedTransactions: number;
}

/** Shared with the handlers of the phase being measured. */
const probe = { firstBatchAt: 0, outputs: 0 };

/** Routing's outputs, sent to the bench topics; the envelope type stays the contract's. */
class RenamingSink implements EventSink {
  constructor(private readonly inner: EventSink) {}

  async publish<T extends TopicName>(topic: T, event: OutgoingEvent<TopicPayloads[T]>): Promise<void> {
    await this.publishAll([{ topic, event }]);
  }

  async publishAll(events: readonly TopicEvent[]): Promise<void> {
    probe.outputs += events.length;
    await this.inner.publishAll(
      events.map(({ topic, event }) => ({
        topic: rename(topic),
        event: { ...event, type: event.type ?? topicSpec(topic).eventType },
      })),
    );
  }
}

function rename(topic: TopicName): TopicName {
  const renamed = RENAMED[topic];
  if (!renamed) throw new Error(`routing published to ${topic}, which the bench does not redirect`);
  // A bench topic stands in for the contract topic; the envelope type was set from the contract above.
  return renamed as TopicName;
}

function passThroughModule(fanOut: boolean): new () => unknown {
  @Controller()
  class PassThroughConsumer {
    @EventPattern<string>(INPUT, { transactional: true, batch: true, rawValue: true } satisfies KafkaHandlerOptions)
    async forward(@Payload() events: KafkaEvent[], @Ctx() context: KafkaEventContext): Promise<void> {
      probe.firstBatchAt ||= performance.now();
      const scope = context.publisher;
      if (!(scope instanceof TransactionScope)) throw new Error('the pass-through needs the transaction scope');
      for (const event of events) {
        const record = { key: event.key, value: event.rawValue, headers: event.headers };
        if (!fanOut) {
          scope.stageRaw(PASS_THROUGH_OUTPUT, record);
          probe.outputs += 1;
          continue;
        }
        const [first, second, third] = FAN_OUT_OUTPUTS;
        scope.stageRaw(first, record);
        scope.stageRaw(second, record);
        probe.outputs += 2;
        if (Number(event.offset) % 9 === 0) {
          scope.stageRaw(third, record);
          probe.outputs += 1;
        }
      }
    }
  }
  @Module({ controllers: [PassThroughConsumer] })
  class PassThroughModule {}
  return PassThroughModule;
}

function routingModule(policy: RoutingPolicy, psms: PsmDirectory): new () => unknown {
  @Controller()
  class RoutingBenchConsumer {
    constructor(private readonly routing: RoutingService) {}

    // As RoutingConsumer, on the bench's input topic.
    @EventPattern<string>(INPUT, {
      transactional: true,
      batch: true,
      payload: TicketSubmittedPayload,
    } satisfies KafkaHandlerOptions)
    async onSubmitted(
      @Payload() events: KafkaEvent<TicketSubmittedPayload>[],
      @Ctx() context: KafkaEventContext,
    ): Promise<void> {
      probe.firstBatchAt ||= performance.now();
      await this.routing.route(events, new RenamingSink(context.publisher));
    }
  }
  @Module({
    controllers: [RoutingBenchConsumer],
    providers: [
      { provide: RoutingPolicy, useValue: policy },
      { provide: PsmDirectory, useValue: psms },
      RoutingService,
    ],
  })
  class RoutingBenchModule {}
  return RoutingBenchModule;
}

@Catch()
class PassThroughErrors implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

const FR_MESSAGES = [
  'Bonjour, comment documenter une activité de traitement dans le registre ? Nous avons plusieurs sous-traitants.',
  "L'export du registre au format PDF échoue avec une erreur 500 depuis la mise à jour de ce matin.",
  'Connexion impossible depuis ce matin, le compte de notre DPO est bloqué après plusieurs essais.',
  "Pourriez-vous ajouter un modèle d'analyse d'impact (AIPD) pour les traitements de vidéosurveillance ?",
  'Question sur la durée de conservation des candidatures non retenues : quelle valeur par défaut proposez-vous ?',
];
const EN_MESSAGES = [
  'How do I record a new processing activity with several joint controllers? The wizard only offers one.',
  'The data subject request portal returns a blank page when the requester uploads an ID document.',
  "I can't log in since the SSO migration, our whole privacy team is locked out of the platform.",
  'It would be great to have an API endpoint to export the records of processing activities as JSON.',
  'Which retention period should we configure for CCTV footage? Is there a recommended default?',
];

/** A realistic mix: chat questions, the five form types, urgent phone calls, emails without an account. */
function ticket(index: number): TicketSubmittedPayload {
  const ticketId = randomUUID();
  const fr = index % 2 === 0;
  const message = (fr ? FR_MESSAGES : EN_MESSAGES)[index % 5] ?? 'Hello';
  const orgId = `org-${index % 500}`;
  const requester = { userId: `user-${index % 5000}`, orgId, email: 'someone@example.org', name: null };
  const common = { ticketId, locale: fr ? ('fr' as const) : ('en' as const), message, requester };
  switch (index % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
      return submittedTicket({
        ...common,
        channel: 'chat',
        requestType: null,
        subject: null,
        workspaceTesting: null,
        urgency: index % 7 === 0 ? 'high' : 'normal',
      });
    case 4:
    case 5:
    case 6: {
      const types = ['bug', 'feature_request', 'technical_question', 'access_problem', 'other'] as const;
      return submittedTicket({
        ...common,
        channel: 'form',
        requestType: types[index % 5] ?? 'bug',
        subject: 'Demande / request',
        urgency: index % 11 === 0 ? 'critical' : 'normal',
      });
    }
    case 7:
      return submittedTicket({
        ...common,
        channel: 'phone',
        requestType: null,
        subject: null,
        workspaceTesting: null,
        urgency: 'high',
      });
    default:
      return submittedTicket({
        ...common,
        channel: 'email',
        requestType: null,
        subject: 'Question',
        workspaceTesting: null,
        requester: { userId: null, orgId: null, email: 'visitor@example.net', name: null },
      });
  }
}

async function brokersToUse(): Promise<{ brokers: string[]; startedNow: string[] }> {
  const fromEnv = parseBrokers(process.env['KAFKA_BROKERS']);
  if (fromEnv.length > 0 && (await kafkaAnswers(fromEnv, 5_000))) return { brokers: fromEnv, startedNow: [] };
  const infrastructure = await ensureInfrastructure({ profile: 'test', log });
  return { brokers: infrastructure.kafkaBrokers, startedNow: infrastructure.startedNow };
}

async function preProduce(client: KafkaTestClient): Promise<void> {
  const started = performance.now();
  for (let start = 0; start < TICKETS; start += 2_000) {
    const records = Array.from({ length: Math.min(2_000, TICKETS - start) }, (_, offset) => {
      const payload = ticket(start + offset);
      return {
        key: payload.ticketId,
        value: JSON.stringify(payload),
        headers: toCloudEventHeaders({
          id: randomUUID(),
          source: '/bench',
          type: 'support.ticket.submitted.v1',
          time: payload.receivedAt,
          subject: payload.ticketId,
        }),
      };
    });
    await client.produce(INPUT, records);
  }
  log(
    `pre-produced ${TICKETS} submitted tickets to ${INPUT} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function measure(
  pipeline: Pipeline,
  round: number,
  brokers: string[],
  module: new () => unknown,
): Promise<Measurement> {
  const groupId = `bench-${pipeline}-${run}-${round}`;
  const kafka = createKafka({ brokers, clientId: groupId });
  const publisher = new EventPublisher(kafka, { source: '/support/routing' });
  const status = new ConsumerStatus();
  const failures: Error[] = [];
  const server = new KafkaConsumerServer({
    kafka,
    groupId,
    publisher,
    status,
    onFatal: (error) => failures.push(error),
    ensureTopics: async (topics) => {
      await ensureTopics({ brokers, partitions: PARTITIONS, specs: [], extraTopics: topics });
    },
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(INPUT);
  probe.firstBatchAt = 0;
  probe.outputs = 0;
  const app: INestMicroservice = await NestFactory.createMicroservice(module, { strategy: server, logger: false });
  app.useGlobalFilters(new PassThroughErrors());
  const failedBefore = await failedTransactions(groupId);
  const cpuBefore = process.cpuUsage();
  try {
    await app.listen();
    for (;;) {
      const [failure] = failures;
      if (failure) throw failure;
      const [committed] = await admin.fetchOffsets({ groupId, topics: [INPUT] });
      const done = ends.every(
        (end) => committed?.partitions.find((entry) => entry.partition === end.partition)?.offset === end.high,
      );
      if (done) break;
      await new Promise((resolveTick) => setTimeout(resolveTick, 20));
    }
  } finally {
    await app.close();
    await publisher.close();
    await admin.disconnect();
  }
  const seconds = (performance.now() - probe.firstBatchAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const measurement: Measurement = {
    pipeline,
    round,
    tickets: TICKETS,
    seconds: round3(seconds),
    ticketsPerSecond: Math.round(TICKETS / seconds),
    cpuMsPerThousand: round3((cpu.user + cpu.system) / 1000 / (TICKETS / 1000)),
    outputRecords: probe.outputs,
    failedTransactions: (await failedTransactions(groupId)) - failedBefore,
  };
  log(
    `${pipeline} round ${round}: ${measurement.ticketsPerSecond} tickets/s (${measurement.seconds} s, ${measurement.outputRecords} output records)`,
  );
  return measurement;
}

async function failedTransactions(groupId: string): Promise<number> {
  const metric = await kafkaMetrics.transactions.get();
  return metric.values
    .filter((value) => value.labels.group === groupId && value.labels.outcome !== 'committed')
    .reduce((sum, value) => sum + value.value, 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : Math.round(((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: readonly string[]): string =>
    `| ${row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join(' | ')} |`;
  const [header, ...body] = rows;
  return [line(header ?? []), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...body.map(line)].join(
    '\n',
  );
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const loadBefore = loadavg();
  const { brokers, startedNow } = await brokersToUse();
  const client = new KafkaTestClient(brokers);
  const benchTopics = [INPUT, PASS_THROUGH_OUTPUT, ...FAN_OUT_OUTPUTS, ...Object.values(RENAMED)];
  const groups: string[] = [];
  const measurements: Measurement[] = [];
  try {
    await ensureTopics({ brokers, partitions: PARTITIONS, specs: [], extraTopics: benchTopics });
    await preProduce(client);
    const ruleSet = loadRuleSet();
    const policy = new RoutingPolicy(ruleSet);
    // A directory filled by hand (never started): 200 of the 500 organisations have a dedicated PSM.
    const psms = new PsmDirectory(client.kafka);
    for (let org = 0; org < 200; org += 1) psms.apply(`org-${org}`, { orgId: `org-${org}`, psmId: `psm-${org % 20}` });

    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const pipeline of PIPELINES) {
        groups.push(`bench-${pipeline}-${run}-${round}`);
        const module = pipeline === 'routing' ? routingModule(policy, psms) : passThroughModule(pipeline === 'fan-out');
        measurements.push(await measure(pipeline, round, brokers, module));
      }
    }
  } finally {
    await deleteBenchTopics(client, benchTopics, groups);
    await client.close();
    if (startedNow.length > 0) await stopInfrastructure({ profile: 'test', only: startedNow, log });
  }

  const rate = (pipeline: Pipeline): number =>
    median(measurements.filter((entry) => entry.pipeline === pipeline).map((entry) => entry.ticketsPerSecond));
  const passThrough = rate('pass-through');
  const fanOut = rate('fan-out');
  const routing = rate('routing');
  const ratio = round3(routing / passThrough);
  const ratioToFanOut = round3(routing / fanOut);
  const loadAfter = loadavg();
  const result = {
    benchmark: 'routing',
    date: new Date().toISOString(),
    brokers,
    tickets: TICKETS,
    rounds: ROUNDS,
    partitions: PARTITIONS,
    measurements,
    median: {
      passThroughTicketsPerSecond: passThrough,
      fanOutTicketsPerSecond: fanOut,
      routingTicketsPerSecond: routing,
      routingToPassThrough: ratio,
      routingToFanOut: ratioToFanOut,
    },
    targets: {
      routingTicketsPerSecond: { target: TARGET_RATE, met: routing >= TARGET_RATE },
      routingToPassThrough: { target: TARGET_RATIO, met: ratio >= TARGET_RATIO },
    },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAfter,
      node: process.version,
    },
  };
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(result, null, 2)}\n`);

  const rows: string[][] = [
    [
      'pipeline',
      'round',
      'tickets',
      'seconds',
      'tickets/s',
      'CPU ms / 1k tickets',
      'output records',
      'failed transactions',
    ],
  ];
  for (const entry of measurements) {
    rows.push([
      entry.pipeline,
      String(entry.round),
      String(entry.tickets),
      entry.seconds.toFixed(2),
      String(entry.ticketsPerSecond),
      entry.cpuMsPerThousand.toFixed(0),
      String(entry.outputRecords),
      String(entry.failedTransactions),
    ]);
  }
  console.log(
    `\nRouting through Kafka: ${TICKETS} tickets, ${PARTITIONS} partitions, one instance, ${ROUNDS} round(s)\n`,
  );
  console.log(table(rows));
  console.log(
    `\n${table([
      ['median', 'tickets/s', 'target', 'met'],
      ['pass-through', String(passThrough), '', ''],
      ["fan-out (routing's output count, no logic)", String(fanOut), '', ''],
      ['routing', String(routing), `>= ${TARGET_RATE}`, result.targets.routingTicketsPerSecond.met ? 'yes' : 'NO'],
      [
        'routing / pass-through',
        `${(ratio * 100).toFixed(1)} %`,
        `>= ${TARGET_RATIO * 100} %`,
        result.targets.routingToPassThrough.met ? 'yes' : 'NO',
      ],
      ['routing / fan-out', `${(ratioToFanOut * 100).toFixed(1)} %`, '', ''],
    ])}`,
  );
  console.log(
    `\n${cpus().length} CPU(s), load average ${loadBefore.map((value) => value.toFixed(2)).join(' ')} before, ${loadAfter.map((value) => value.toFixed(2)).join(' ')} after (machine shared; the broker runs on it too)`,
  );
  console.log(`results: ${RESULTS_FILE}`);
}

async function deleteBenchTopics(client: KafkaTestClient, topics: string[], groups: string[]): Promise<void> {
  const admin = client.kafka.admin();
  await admin.connect();
  try {
    const deadLetters = groups.map((group) => deadLetterTopic(INPUT, group));
    const present = new Set(await admin.listTopics());
    await admin.deleteTopics({ topics: [...topics, ...deadLetters].filter((topic) => present.has(topic)) });
    await admin.deleteGroups(groups).catch(() => undefined);
  } catch (error) {
    log(`bench topics not deleted: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await admin.disconnect();
  }
}

await main();
