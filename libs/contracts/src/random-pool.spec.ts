import { RandomPool } from './random-pool.js';

describe(RandomPool.name, () => {
  it('hands out fresh bytes of the size asked, across refills of its block', () => {
    const sut = new RandomPool(64);

    const taken = Array.from({ length: 100 }, () => Buffer.from(sut.take(12)));

    expect(taken.every((bytes) => bytes.length === 12)).toBe(true);
    expect(new Set(taken.map((bytes) => bytes.toString('hex'))).size).toBe(100);
  });

  it('draws a value larger than its block directly', () => {
    const sut = new RandomPool(16);

    expect(sut.take(40)).toHaveLength(40);
    expect(sut.take(8)).toHaveLength(8);
  });
});
