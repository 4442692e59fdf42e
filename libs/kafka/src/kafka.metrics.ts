import { Counter, Gauge, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Counter<string>;
  return new Counter({ name, help, labelNames });
}

function gauge(name: string, help: string, labelNames: string[]): Gauge<string> {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Gauge<string>;
  return new Gauge({ name, help, labelNames });
}

function histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram<string> {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Histogram<string>;
  return new Histogram({ name, help, labelNames, buckets });
}

export const kafkaMetrics = {
  published: counter('kafka_records_published_total', 'Records durably written to Kafka', ['topic']),
  publishFailures: counter('kafka_publish_failures_total', 'Produce requests that failed', ['code']),
  producerResets: counter(
    'kafka_producer_resets_total',
    'Idempotent producers replaced because the broker no longer knew their producer id',
    [],
  ),
  publishBatchSize: histogram(
    'kafka_publish_batch_records',
    'Records per produce request',
    [],
    [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  ),
  publishLatency: histogram(
    'kafka_publish_duration_seconds',
    'Time from enqueue to acknowledged write',
    [],
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  ),
  consumed: counter('kafka_records_consumed_total', 'Records handled successfully', ['topic', 'group']),
  retries: counter('kafka_handler_retries_total', 'Handler attempts that failed and were retried', ['topic', 'group']),
  transactions: counter(
    'kafka_transactions_total',
    'Consume-transform-produce transactions by outcome (committed, failed, fenced)',
    ['group', 'outcome'],
  ),
  transactionDuration: histogram(
    'kafka_transaction_duration_seconds',
    'From the first send of a transaction to its commit',
    [],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  ),
  handlerDuration: histogram(
    'kafka_handler_duration_seconds',
    'Time in a handler: one record, or one slice of a batch (retries counted separately)',
    ['topic', 'group', 'mode'],
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  ),
  lag: gauge(
    'kafka_consumer_lag_records',
    'Records between the consumed position and the high watermark, per partition, as of the last fetched batch',
    ['topic', 'partition', 'group'],
  ),
  deadLettered: counter('kafka_records_dead_lettered_total', 'Records moved to a dead-letter topic', [
    'topic',
    'group',
    'code',
  ]),
};
