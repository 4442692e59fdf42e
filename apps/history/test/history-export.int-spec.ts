import { randomUUID } from 'node:crypto';
import { Topics } from '#contracts';
import type { KafkaEvent } from '#kafka';
import {
  isolatedDatabase,
  ServiceProcess,
  startGroupAtEnd,
  testBrokers,
  testDatabaseUrl,
  uniqueSuffix,
  userToken,
} from '#testing';
import type { IsolatedDatabase } from '#testing';
import { consumed, openHistoryStore } from './history-store.js';
import type { HistoryStore } from './history-store.js';
import { HISTORY_RECORDED_TOPICS } from '../src/recording/history.consumer.js';

const EVENTS = 100_000;
/** Less heap than the export's text alone, let alone its rows as objects: only a stream fits. */
const HEAP_LIMIT_MIB = 96;
const BATCH = 2_000;

/** A gauge of the service's own /metrics. */
async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name} `) || candidate.startsWith(`${name}{`));
  if (!line) throw new Error(`${name} is not in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('history export', () => {
  const suffix = uniqueSuffix();
  let database: IsolatedDatabase;
  let store: HistoryStore;
  let history: ServiceProcess;

  beforeAll(async () => {
    database = await isolatedDatabase(testDatabaseUrl(), 'history_export');
    store = await openHistoryStore(database.url);
    const ticketId = `t-export-${suffix}`;
    for (let start = 0; start < EVENTS; start += BATCH) {
      const batch: KafkaEvent[] = [];
      for (let index = start; index < start + BATCH; index += 1) {
        const at = new Date(Date.UTC(2031, 0, 1) + index * 1000).toISOString();
        batch.push(
          consumed(
            Topics.notifications,
            {
              notificationId: randomUUID(),
              ticketId,
              audience: 'support',
              channel: 'webhook',
              outcome: 'sent',
              attempt: 1,
              error: null,
              at,
            },
            { id: randomUUID(), time: at },
          ),
        );
      }
      await store.recorder.record(batch);
    }
    const group = `support-history-it-export-${suffix}`;
    // Nothing else on the shared broker is consumed meanwhile: the heap measured is the export's.
    await startGroupAtEnd(testBrokers(), group, HISTORY_RECORDED_TOPICS);
    history = await new ServiceProcess('history', {
      KAFKA_BROKERS: testBrokers().join(','),
      DATABASE_URL: database.url,
      HISTORY_CONSUMER_GROUP: group,
      NODE_OPTIONS: `--max-old-space-size=${HEAP_LIMIT_MIB}`,
    }).start();
  }, 180_000);

  afterAll(async () => {
    await history?.stop();
    await store?.close();
    await database?.drop();
  });

  it('streams 100,000 events in chain order through a service whose heap is smaller than the export', async () => {
    const token = await userToken({ sub: 'auditor-global', roles: ['auditor:global'] });
    const baseline = await gauge(history.url, 'nodejs_heap_size_used_bytes');
    let peak = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await gauge(history.url, 'nodejs_heap_size_used_bytes'));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const response = await fetch(
      `${history.url}/v1/export?format=ndjson&from=2031-01-01T00:00:00Z&to=2032-01-01T00:00:00Z`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
    if (!reader) throw new Error('no body');
    const decoder = new TextDecoder();
    let rest = '';
    let rows = 0;
    let bytes = 0;
    let previousSeq = 0;
    let ordered = true;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      const lines = (rest + decoder.decode(value, { stream: true })).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const seq = Number((JSON.parse(line) as { seq: string }).seq);
        ordered &&= seq > previousSeq;
        previousSeq = seq;
        rows += 1;
      }
    }
    sampling = false;
    await sampler;
    const growthMiB = (peak - baseline) / 2 ** 20;
    process.stderr.write(
      `export: ${rows} rows, ${(bytes / 2 ** 20).toFixed(1)} MiB sent, heap ${(baseline / 2 ** 20).toFixed(1)} MiB -> peak ${(peak / 2 ** 20).toFixed(1)} MiB\n`,
    );

    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(rows).toBe(EVENTS);
    expect(ordered).toBe(true);
    expect(bytes / 2 ** 20).toBeGreaterThan(HEAP_LIMIT_MIB - baseline / 2 ** 20);
    expect(peak / 2 ** 20).toBeLessThan(HEAP_LIMIT_MIB);
    expect(growthMiB).toBeLessThan(bytes / 2 ** 20);
    expect(await gauge(history.url, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  }, 120_000);
});
