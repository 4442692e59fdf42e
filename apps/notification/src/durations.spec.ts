import { parseDuration } from './durations.js';

describe(parseDuration.name, () => {
  test.each([
    ['300000', 300_000],
    ['500ms', 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1.5m', 90_000],
    ['1h', 3_600_000],
    [' 2M ', 120_000],
  ])('reads %s as %i ms', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  test.each(['', 'five minutes', '5 min', '-5m', '5d', 'PT5M'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
