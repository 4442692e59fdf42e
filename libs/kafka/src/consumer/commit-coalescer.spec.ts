import type { Consumer, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { CommitCoalescer } from './commit-coalescer.js';

function fakeConsumer(fail = false): { consumer: Consumer; requests: TopicPartitionOffsetAndMetadata[][] } {
  const requests: TopicPartitionOffsetAndMetadata[][] = [];
  const consumer = {
    commitOffsets: async (offsets: TopicPartitionOffsetAndMetadata[]) => {
      requests.push(offsets);
      if (fail) throw new Error('coordinator gone');
    },
  } as unknown as Consumer;
  return { consumer, requests };
}

describe(CommitCoalescer.name, () => {
  it('sends the commits of one poll in one request, the highest offset per partition', async () => {
    const { consumer, requests } = fakeConsumer();
    const sut = new CommitCoalescer(() => consumer);

    await Promise.all([
      sut.commit('a', 0, '5'),
      sut.commit('a', 1, '9'),
      sut.commit('a', 0, '7'),
      sut.commit('b', 0, '3'),
    ]);

    expect(requests).toEqual([
      [
        { topic: 'a', partition: 0, offset: '7' },
        { topic: 'a', partition: 1, offset: '9' },
        { topic: 'b', partition: 0, offset: '3' },
      ],
    ]);
  });

  it('fails every caller that shared a failed request', async () => {
    const { consumer } = fakeConsumer(true);
    const sut = new CommitCoalescer(() => consumer);

    const results = await Promise.allSettled([sut.commit('a', 0, '1'), sut.commit('a', 1, '1')]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });
});
