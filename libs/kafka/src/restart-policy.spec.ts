import { MAX_RESTART_DELAY_MS, restartDelayMs } from './restart-policy.js';

describe(restartDelayMs.name, () => {
  it('doubles the delay from the base up to the cap', () => {
    const sut = [1, 2, 3, 4, 5, 6, 7, 8].map((restarts) => restartDelayMs(restarts, 20, 250));

    expect(sut).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, MAX_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS]);
  });

  it('gives up after the last allowed restart, and allows none with a budget of 0', () => {
    expect(restartDelayMs(20, 20, 250)).toBe(MAX_RESTART_DELAY_MS);
    expect(restartDelayMs(21, 20, 250)).toBeUndefined();
    expect(restartDelayMs(1, 0, 250)).toBeUndefined();
  });

  it('with the defaults, rides out a broker outage of more than two minutes before giving up', () => {
    let total = 0;
    for (let restarts = 1; restartDelayMs(restarts, 20, 250) !== undefined; restarts += 1)
      total += restartDelayMs(restarts, 20, 250) ?? 0;

    expect(total).toBeGreaterThan(120_000);
    expect(total).toBeLessThan(180_000);
  });
});
