// Calendar arithmetic for the simulated bank. The bank keeps UTC as its local time, so "payroll at
// 06:00" and the time-of-day activity curves line up with the ISO timestamps on the wire.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

// 1970-01-01 was a Thursday (day 4 with Sunday = 0).
export function dayOfWeek(ms: number): number {
  return (Math.floor(ms / DAY_MS) + 4) % 7;
}

// 0..167, Sunday 00:00 = 0; indexes the weekly activity tables.
export function hourOfWeek(ms: number): number {
  return dayOfWeek(ms) * 24 + Math.floor((ms % DAY_MS) / HOUR_MS);
}

export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function isWeekend(dayStartMs: number): boolean {
  const dow = dayOfWeek(dayStartMs);
  return dow === 0 || dow === 6;
}

// Banks move a payment that falls on a weekend to the Friday before, so a payroll is never late.
function previousBusinessDay(dayStartMs: number): number {
  let day = dayStartMs;
  while (isWeekend(day)) day -= DAY_MS;
  return day;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 1) return DAYS_IN_MONTH[month] ?? 31;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

// The UTC month of the latest nextMonthlyDate call. The simulated clock moves forward, so nearly every
// call falls in the same month as the one before, and Date's calendar arithmetic (a Date, its getters,
// Date.UTC per candidate) was most of the function's cost.
let monthStart = Number.NaN;
let monthEnd = Number.NaN;
let monthYear = 0;
let monthOfYear = 0;

// First time strictly after `afterMs` that falls on one of `daysOfMonth` (day 31 means "last day") at
// `timeOfDayMs`, optionally moved to the previous business day.
export function nextMonthlyDate(afterMs: number, daysOfMonth: readonly number[], timeOfDayMs: number, businessDaysOnly: boolean): number {
  if (!(afterMs >= monthStart && afterMs < monthEnd)) {
    const after = new Date(afterMs);
    monthYear = after.getUTCFullYear();
    monthOfYear = after.getUTCMonth();
    monthStart = Date.UTC(monthYear, monthOfYear, 1);
    monthEnd = Date.UTC(monthYear, monthOfYear + 1, 1);
  }
  let year = monthYear;
  let month = monthOfYear;
  let start = monthStart;
  // Three months always contain a candidate later than `afterMs`; a fourth covers a weekend shift that
  // pulls the first candidate back before `afterMs`. Called for every bill and payday of every customer,
  // so the earliest candidate is found without allocating.
  for (let i = 0; i < 4; i++) {
    const days = daysInMonth(year, month);
    let earliest = Number.POSITIVE_INFINITY;
    for (const day of daysOfMonth) {
      const dayStart = start + (Math.min(day, days) - 1) * DAY_MS;
      const candidate = (businessDaysOnly ? previousBusinessDay(dayStart) : dayStart) + timeOfDayMs;
      if (candidate > afterMs && candidate < earliest) earliest = candidate;
    }
    if (earliest !== Number.POSITIVE_INFINITY) return earliest;
    start += days * DAY_MS;
    month += 1;
    if (month === 12) {
      month = 0;
      year += 1;
    }
  }
  throw new Error(`no monthly date after ${new Date(afterMs).toISOString()} for days ${daysOfMonth.join(',')}`);
}

// Every other Friday; `phase` (0 or 1) picks which of the two alternating Fridays the employer uses.
export function nextBiweeklyFriday(afterMs: number, phase: number, timeOfDayMs: number): number {
  // Day 1 since the epoch (1970-01-02) was a Friday.
  const firstFriday = (1 + 7 * phase) * DAY_MS + timeOfDayMs;
  const period = 2 * WEEK_MS;
  if (afterMs < firstFriday) return firstFriday;
  const periods = Math.floor((afterMs - firstFriday) / period) + 1;
  return firstFriday + periods * period;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
export const THREE_DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

// "ss." and "mmmZ": a timestamp's seconds and milliseconds.
const SECONDS_DOT = Array.from({ length: 60 }, (_, i) => `${TWO_DIGITS[i]}.`);
const MILLIS_Z = THREE_DIGITS.map((digits) => `${digits}Z`);

// Same output as Date.prototype.toISOString for years 0..9999, several times faster: the simulator stamps
// every event and Date formatting was its single largest cost. Everything up to the minute is cached
// ("2025-01-06T09:41:"), so a timestamp is that and one short flat string: two allocations instead of one
// per piece. `write` puts the same characters straight into a record value's bytes, after `lead` (the
// JSON before the timestamp), which is cached with the minute so that both are one copy.
export class IsoFormatter {
  readonly #lead: string;
  #dayStart = Number.NaN;
  #datePrefix = '';
  #minuteStart = Number.NaN;
  #minutePrefix = '';
  #minuteBytes = new Uint8Array(0);

  constructor(lead = '') {
    this.#lead = lead;
  }

  format(ms: number): string {
    const inMinute = this.#inMinute(Math.floor(ms));
    return this.#minutePrefix + ((SECONDS_DOT[Math.floor(inMinute / 1000)] as string) + (MILLIS_Z[inMinute % 1000] as string));
  }

  // Writes lead and format(ms) as ASCII into `bytes` at `at`; returns where it ends.
  write(ms: number, bytes: Uint8Array, at: number): number {
    const inMinute = this.#inMinute(Math.floor(ms));
    const prefix = this.#minuteBytes;
    bytes.set(prefix, at);
    let p = at + prefix.length;
    // Integer division by a constant on 32-bit values (`| 0`) is a multiply; Math.floor of a double
    // division is several times slower.
    const seconds = (inMinute / 1000) | 0;
    const millis = inMinute - seconds * 1000;
    const tens = (seconds / 10) | 0;
    bytes[p++] = 48 + tens;
    bytes[p++] = 48 + seconds - tens * 10;
    bytes[p++] = 46; // .
    const hundreds = (millis / 100) | 0;
    const rest = millis - hundreds * 100;
    const tensOfMillis = (rest / 10) | 0;
    bytes[p++] = 48 + hundreds;
    bytes[p++] = 48 + tensOfMillis;
    bytes[p++] = 48 + rest - tensOfMillis * 10;
    bytes[p++] = 90; // Z
    return p;
  }

  // Milliseconds into the minute of `t`, the minute's prefix cached.
  #inMinute(t: number): number {
    const inMinute = t - this.#minuteStart;
    if (inMinute >= 0 && inMinute < MINUTE_MS) return inMinute;
    let inDay = t - this.#dayStart;
    if (!(inDay >= 0 && inDay < DAY_MS)) {
      this.#dayStart = startOfDay(t);
      this.#datePrefix = new Date(this.#dayStart).toISOString().slice(0, 11);
      inDay = t - this.#dayStart;
    }
    const hours = Math.floor(inDay / HOUR_MS);
    const minutes = Math.floor((inDay % HOUR_MS) / MINUTE_MS);
    this.#minuteStart = this.#dayStart + hours * HOUR_MS + minutes * MINUTE_MS;
    this.#minutePrefix = `${this.#datePrefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:`;
    this.#minuteBytes = Buffer.from(this.#lead + this.#minutePrefix, 'latin1');
    return t - this.#minuteStart;
  }
}
