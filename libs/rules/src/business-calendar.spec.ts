import fc from 'fast-check';
import { BusinessCalendar, PARIS_DESK } from './business-calendar.js';

/** Wall-clock time straight from Intl, as the calendar computed it before caching offsets. */
function intlLocal(timeZone: string, instant: Date): Record<string, number> {
  const formatter = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    weekday: 'short',
  });
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(instant)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday ?? '') + 1,
  };
}

// Paris, whole-hour and fractional offsets, and a zone whose half-hour DST shift is not on a UTC hour.
const ZONES = [
  'Europe/Paris',
  'America/New_York',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'UTC',
];

describe(BusinessCalendar.name, () => {
  it.each(ZONES)('gives the same wall-clock time as Intl at any instant (%s)', (timeZone) => {
    const sut = new BusinessCalendar({ ...PARIS_DESK, timeZone });

    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2080, 0, 1) }), (time) => {
        const instant = new Date(time);
        expect(sut.local(instant)).toEqual(intlLocal(timeZone, instant));
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives the same wall-clock time as Intl for every minute of the 2026 and 2027 nights when the clocks change in Paris', () => {
    const sut = new BusinessCalendar(PARIS_DESK);
    const nights = [
      Date.UTC(2026, 2, 28, 22),
      Date.UTC(2026, 9, 24, 22),
      Date.UTC(2027, 2, 27, 22),
      Date.UTC(2027, 9, 30, 22),
    ];

    for (const night of nights) {
      for (let minute = 0; minute < 6 * 60; minute += 1) {
        const instant = new Date(night + minute * 60_000 + 30_000);
        expect(sut.local(instant)).toEqual(intlLocal('Europe/Paris', instant));
      }
    }
  });

  it('gives the same wall-clock time as Intl every 30 seconds around the Lord Howe transitions', () => {
    const sut = new BusinessCalendar({ ...PARIS_DESK, timeZone: 'Australia/Lord_Howe' });
    // First Sunday of April 2026 and of October 2026, around 02:00 local.
    const transitions = [Date.UTC(2026, 3, 4, 14), Date.UTC(2026, 9, 3, 15)];

    for (const around of transitions) {
      for (let step = 0; step < 4 * 120; step += 1) {
        const instant = new Date(around + step * 30_000);
        expect(sut.local(instant)).toEqual(intlLocal('Australia/Lord_Howe', instant));
      }
    }
  });
});
