import { setTimeout as sleep } from 'node:timers/promises';
import { TOPIC_CATALOGUE } from '../libs/contracts/src/topics.js';
import { ensureTopics, kafkaAnswers } from '../libs/kafka/src/topic-admin.js';
import {
  describeError,
  ensureInfrastructure,
  formatStatus,
  InfraError,
  infrastructureStatus,
  isComponent,
  isProfile,
  parseBrokers,
  personalDataRetentionMs,
  stopInfrastructure,
  topicPartitions,
  type Profile,
} from './infra/index.js';
import { redactUrl } from './infra/postgres.js';

const USAGE = [
  'usage: node dist/tools/infra.js <command> [--profile dev|test] [--only kafka,postgres]',
  '  up      start Kafka and PostgreSQL for the profile (default dev) unless they already answer; create the topics',
  '  down    stop what this project started (every profile unless --profile; --only limits the components)',
  '  status  one line per component',
  '  topics  create the missing contract topics on KAFKA_BROKERS',
].join('\n');

interface Arguments {
  command: string | undefined;
  profile: Profile | undefined;
  only: string[] | undefined;
}

function parseArguments(argv: string[]): Arguments {
  const parsed: Arguments = { command: undefined, profile: undefined, only: undefined };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    const [flag, inline] = argument.split('=', 2);
    const value = (): string => {
      const next = inline ?? argv[(index += 1)];
      if (next === undefined) throw new InfraError(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    if (flag === '--profile') {
      const profile = value();
      if (!isProfile(profile)) throw new InfraError(`unknown profile '${profile}' (dev or test)`);
      parsed.profile = profile;
    } else if (flag === '--only') {
      const only = value()
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0);
      const unknown = only.filter((part) => !isComponent(part));
      if (unknown.length > 0) throw new InfraError(`unknown component(s) ${unknown.join(', ')} (kafka, postgres)`);
      parsed.only = only;
    } else if (flag === '--help' || flag === '-h') {
      parsed.command = 'help';
    } else if (parsed.command === undefined && !argument.startsWith('-')) {
      parsed.command = argument;
    } else {
      throw new InfraError(`unexpected argument '${argument}'\n${USAGE}`);
    }
  }
  return parsed;
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function up(profile: Profile): Promise<void> {
  const infra = await ensureInfrastructure({ profile });
  const startedKafka = infra.startedNow.includes('kafka') ? ', started now' : '';
  const startedPostgres = infra.startedNow.includes('postgres') ? ', started now' : '';
  print(`kafka     ${infra.kafkaBrokers.join(',')} (${infra.kafka}${startedKafka})`);
  print(`postgres  ${redactUrl(infra.databaseUrl)} (${infra.postgres}${startedPostgres})`);
  print(`export KAFKA_BROKERS=${infra.kafkaBrokers.join(',')}`);
  print(`export DATABASE_URL=${infra.databaseUrl}`);
  if (profile === 'test' && (infra.kafka === 'docker' || infra.postgres === 'docker')) {
    print(
      'note: test-profile containers belong to this command and are removed when it exits; use the dev profile for lasting ones',
    );
  }
}

async function down(profile: Profile | undefined, only: string[] | undefined): Promise<void> {
  const stopped = await stopInfrastructure({ profile, only });
  print(
    stopped.length > 0
      ? `stopped: ${stopped.join(', ')}`
      : 'nothing to stop (only what this project started is ever stopped)',
  );
}

async function status(): Promise<void> {
  for (const entry of await infrastructureStatus()) print(formatStatus(entry));
}

/** For docker compose's init-topics service: the broker may still be electing its controller. */
async function topics(): Promise<void> {
  const brokers = parseBrokers(process.env['KAFKA_BROKERS']);
  if (brokers.length === 0)
    throw new InfraError('topics: KAFKA_BROKERS is not set: set it to the broker list, e.g. KAFKA_BROKERS=kafka:9092');
  const partitions = topicPartitions();
  const deadline = Date.now() + 60_000;
  while (!(await kafkaAnswers(brokers, 3_000))) {
    if (Date.now() > deadline) throw new InfraError(`topics: no broker answers at ${brokers.join(',')} after 60 s`);
    await sleep(1_000);
  }
  const result = await ensureTopics({
    brokers,
    partitions,
    specs: TOPIC_CATALOGUE,
    clientId: 'support-infra-topics',
    personalDataRetentionMs: personalDataRetentionMs(),
  });
  print(
    `topics: ${result.created.length} created, ${result.existing.length} already present (${partitions} partitions for new ones)`,
  );
  for (const name of result.created) print(`  created ${name}`);
}

async function main(argv: string[]): Promise<void> {
  const { command, profile, only } = parseArguments(argv);
  switch (command) {
    case 'up':
      return up(profile ?? 'dev');
    case 'down':
      return down(profile, only);
    case 'status':
      return status();
    case 'topics':
      return topics();
    case 'help':
      print(USAGE);
      return;
    default:
      throw new InfraError(command === undefined ? USAGE : `unknown command '${command}'\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    process.stderr.write(`${describeError(error)}\n`);
    if (error instanceof InfraError && error.details) process.stderr.write(`${error.details}\n`);
    else if (!(error instanceof InfraError) && error instanceof Error && process.env['INFRA_DEBUG'] === '1') {
      process.stderr.write(`${error.stack ?? ''}\n`);
    }
    process.exitCode = 1;
  },
);
