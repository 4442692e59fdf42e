import type { KafkaEvent } from '../kafka-event.js';
import type { EventSink } from '../event-publisher.js';
import { GroupedHandler } from './grouped-handler.js';

const sink = {} as EventSink;

function event(partition: number, offset: number, poison = false): KafkaEvent {
  return {
    topic: 't',
    partition,
    offset: String(offset),
    key: null,
    value: { poison },
    rawValue: null,
    headers: {},
    cloudEvent: {},
    timestamp: '0',
  };
}

describe(GroupedHandler.name, () => {
  it('calls the handler once for the partition batches that arrive together', async () => {
    const calls: number[][] = [];
    const sut = new GroupedHandler(async (data) => {
      calls.push((data as KafkaEvent[]).map((item) => item.partition));
    }, sink);

    await Promise.all([sut.handle([event(0, 1), event(0, 2)]), sut.handle([event(1, 1)]), sut.handle([event(2, 5)])]);

    expect(calls).toEqual([[0, 0, 1, 2]]);
  });

  it('when the common call fails, tries each batch alone and fails only the one at fault', async () => {
    const calls: number[][] = [];
    const sut = new GroupedHandler(async (data) => {
      const events = data as KafkaEvent[];
      calls.push(events.map((item) => item.partition));
      if (events.some((item) => (item.value as { poison: boolean }).poison)) throw new Error('poison');
    }, sink);

    const results = await Promise.allSettled([
      sut.handle([event(0, 1)]),
      sut.handle([event(1, 1, true)]),
      sut.handle([event(2, 1)]),
    ]);

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls).toEqual([[0, 1, 2], [0], [1], [2]]);
  });

  it('groups what arrives while a call is running into the next call', async () => {
    const calls: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sut = new GroupedHandler(async (data) => {
      calls.push((data as KafkaEvent[]).map((item) => item.partition));
      if (calls.length === 1) await gate;
    }, sink);

    const first = sut.handle([event(0, 1)]);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [sut.handle([event(1, 1)]), sut.handle([event(2, 1)])];
    release();
    await Promise.all([first, ...later]);

    expect(calls).toEqual([[0], [1, 2]]);
  });
});
