/**
 * Business hours of a time zone (default Europe/Paris, Mon-Fri 09:00-18:00, French public holidays),
 * computed from the zone's rules through Intl, so daylight-saving changes need no special cases.
 */
export interface CalendarSpec {
  readonly timeZone: string;
  /** ISO weekdays that are working days (1 = Monday ... 7 = Sunday). */
  readonly workingDays: readonly number[];
  /** Local opening time "HH:MM". */
  readonly opens: string;
  /** Local closing time "HH:MM" (exclusive). */
  readonly closes: string;
  /** Public holiday set; only "FR" is known. */
  readonly holidays: 'FR' | 'none';
}

export const PARIS_DESK: CalendarSpec = {
  timeZone: 'Europe/Paris',
  workingDays: [1, 2, 3, 4, 5],
  opens: '09:00',
  closes: '18:00',
  holidays: 'FR',
};

interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** ISO weekday, 1 = Monday. */
  readonly weekday: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Bound of the offset cache (one entry per UTC hour looked at: more than a year of hours). */
const MAX_CACHED_HOURS = 10_000;
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Gregorian Easter Sunday (anonymous algorithm), as [month, day]. */
export function easterSunday(year: number): [number, number] {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return [month, day];
}

/** French public holidays of a year as "MM-DD" strings. */
export function frenchHolidays(year: number): Set<string> {
  const [easterMonth, easterDay] = easterSunday(year);
  const easter = Date.UTC(year, easterMonth - 1, easterDay);
  const shifted = (days: number): string => {
    const date = new Date(easter + days * DAY);
    return `${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`;
  };
  return new Set([
    '01-01', // Jour de l'an
    shifted(1), // Lundi de Pâques
    '05-01', // Fête du travail
    '05-08', // Victoire 1945
    shifted(39), // Ascension
    shifted(50), // Lundi de Pentecôte
    '07-14', // Fête nationale
    '08-15', // Assomption
    '11-01', // Toussaint
    '11-11', // Armistice
    '12-25', // Noël
  ]);
}

function minutesOf(hhmm: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!match) throw new Error(`invalid time ${hhmm}, expected HH:MM`);
  return Number(match[1]) * 60 + Number(match[2]);
}

export class BusinessCalendar {
  private readonly formatter: Intl.DateTimeFormat;
  private readonly opensAt: number;
  private readonly closesAt: number;
  private readonly holidayCache = new Map<number, Set<string>>();
  /** UTC hour -> the zone's offset from UTC in ms during that hour (NaN: it changes within the hour). */
  private readonly offsets = new Map<number, number>();

  constructor(readonly spec: CalendarSpec = PARIS_DESK) {
    this.formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone: spec.timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    this.opensAt = minutesOf(spec.opens);
    this.closesAt = minutesOf(spec.closes);
    if (this.closesAt <= this.opensAt)
      throw new Error(`calendar closes (${spec.closes}) before it opens (${spec.opens})`);
  }

  /** Business minutes in one working day (540 for 09:00-18:00). */
  get minutesPerDay(): number {
    return this.closesAt - this.opensAt;
  }

  /**
   * Wall-clock time in the zone. `formatToParts` is costly (it dominated the routing of a ticket), so
   * the zone's offset is looked up once per UTC hour: offsets change on hour boundaries, and an hour
   * whose offset differs between its start and its end is computed exactly every time.
   */
  local(instant: Date): LocalTime {
    const time = instant.getTime();
    const offset = this.offsetDuring(time);
    if (offset === undefined) return this.exactLocal(instant);
    const shifted = new Date(time + offset);
    return {
      year: shifted.getUTCFullYear(),
      month: shifted.getUTCMonth() + 1,
      day: shifted.getUTCDate(),
      hour: shifted.getUTCHours(),
      minute: shifted.getUTCMinutes(),
      second: shifted.getUTCSeconds(),
      weekday: ((shifted.getUTCDay() + 6) % 7) + 1,
    };
  }

  private offsetDuring(time: number): number | undefined {
    const hour = Math.floor(time / HOUR);
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      const start = hour * HOUR;
      const atStart = this.exactOffset(start);
      offset = atStart === this.exactOffset(start + HOUR - 1_000) ? atStart : Number.NaN;
      if (this.offsets.size >= MAX_CACHED_HOURS) this.offsets.clear();
      this.offsets.set(hour, offset);
    }
    return Number.isNaN(offset) ? undefined : offset;
  }

  /** Offset at an instant given in whole seconds. */
  private exactOffset(time: number): number {
    const local = this.exactLocal(new Date(time));
    return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second) - time;
  }

  private exactLocal(instant: Date): LocalTime {
    const parts: Record<string, string> = {};
    for (const part of this.formatter.formatToParts(instant)) parts[part.type] = part.value;
    return {
      year: Number(parts.year),
      month: Number(parts.month),
      day: Number(parts.day),
      hour: Number(parts.hour),
      minute: Number(parts.minute),
      second: Number(parts.second),
      weekday: WEEKDAYS.indexOf(parts.weekday ?? '') + 1,
    };
  }

  isHoliday(local: Pick<LocalTime, 'year' | 'month' | 'day'>): boolean {
    if (this.spec.holidays === 'none') return false;
    let holidays = this.holidayCache.get(local.year);
    if (!holidays) {
      holidays = frenchHolidays(local.year);
      this.holidayCache.set(local.year, holidays);
    }
    return holidays.has(`${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')}`);
  }

  isWorkingDay(local: LocalTime): boolean {
    return this.spec.workingDays.includes(local.weekday) && !this.isHoliday(local);
  }

  /** True when the desk is staffed at that instant. */
  isOpen(instant: Date): boolean {
    const local = this.local(instant);
    const minute = local.hour * 60 + local.minute;
    return this.isWorkingDay(local) && minute >= this.opensAt && minute < this.closesAt;
  }

  /** UTC instant of a local wall-clock time (the earlier one when the clock is ambiguous). */
  instantOf(year: number, month: number, day: number, minuteOfDay: number): Date {
    const wall = Date.UTC(year, month - 1, day, Math.floor(minuteOfDay / 60), minuteOfDay % 60);
    let guess = wall;
    for (let step = 0; step < 3; step += 1) {
      const local = this.local(new Date(guess));
      const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
      guess = wall - (asUtc - guess);
    }
    return new Date(guess);
  }

  /** Adds business minutes: time outside working hours does not count. */
  addBusinessMinutes(start: Date, minutes: number): Date {
    let remaining = minutes;
    let cursor = start;
    for (let guard = 0; guard < 3_660; guard += 1) {
      const local = this.local(cursor);
      const minuteOfDay = local.hour * 60 + local.minute + local.second / 60;
      if (this.isWorkingDay(local) && minuteOfDay < this.closesAt) {
        const from = Math.max(minuteOfDay, this.opensAt);
        const available = this.closesAt - from;
        const begin = from === minuteOfDay ? cursor : this.instantOf(local.year, local.month, local.day, this.opensAt);
        if (remaining <= available) return new Date(begin.getTime() + remaining * MINUTE);
        remaining -= available;
      }
      // Next local day, at midnight; noon UTC of the next date avoids DST edge cases in the lookup.
      const next = new Date(Date.UTC(local.year, local.month - 1, local.day) + DAY + 12 * 3_600_000);
      const nextLocal = this.local(next);
      cursor = this.instantOf(nextLocal.year, nextLocal.month, nextLocal.day, 0);
    }
    throw new Error('no working day found within ten years');
  }
}
