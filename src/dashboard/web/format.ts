// Number and time formatting for the page. Pure, so it is tested under node.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export function formatInt(n: number | string): string {
  if (typeof n === 'string') return /^-?\d+$/.test(n) ? n.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : n;
  return integer.format(n);
}

export function formatCompact(n: number): string {
  return n < 10_000 ? integer.format(n) : compact.format(n);
}

export function formatCents(cents: number): string {
  return money.format(cents / 100);
}

export function formatPercent(share: number | null): string {
  return share === null ? '–' : `${(share * 100).toFixed(1)}%`;
}

// A span that may run to days (a time to detect): minutes up to two hours, then hours up to two days.
export function formatSpan(ms: number | null): string {
  if (ms === null || ms < 2 * 3_600_000) return formatMs(ms);
  if (ms < 2 * 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

// Wall-clock time of day, 24 h, in the viewer's time zone.
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

// "6 Dec", in the viewer's time zone.
export function formatDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getDate()} ${MONTHS[d.getMonth()]}`;
}

// "Sun 6 Dec 2026, 14:03:12": a moment of event time, which may be any day under a fast-forward clock.
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${WEEKDAYS[d.getDay()]} ${formatDay(ms)} ${d.getFullYear()}, ${formatTime(ms)}`;
}

// Time of day when ms falls on the same day as refMs, else with the day: "5 Dec 14:03:12".
export function formatTimeNear(ms: number, refMs: number): string {
  return sameDay(ms, refMs) ? formatTime(ms) : `${formatDay(ms)} ${formatTime(ms)}`;
}

export function sameDay(a: number, b: number): boolean {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

// How many times faster than the wall clock, to two significant digits: ×600, ×2, ×1.5, ×12,000.
export function formatSpeed(speed: number): string {
  const digits = Math.max(0, 1 - Math.floor(Math.log10(speed)));
  const rounded = Number(speed.toPrecision(2));
  return `×${rounded.toLocaleString('en-US', { maximumFractionDigits: digits })}`;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// "5 s", "1 min", "6 h", "1 day": a bucket's length.
export function formatDuration(ms: number): string {
  if (ms >= DAY && ms % DAY === 0) return ms === DAY ? '1 day' : `${ms / DAY} days`;
  if (ms >= HOUR && ms % HOUR === 0) return `${ms / HOUR} h`;
  if (ms >= MINUTE && ms % MINUTE === 0) return `${ms / MINUTE} min`;
  return `${ms / SECOND} s`;
}

// An ISO 4217 code, or anything else (the server's 'mixed', none yet).
export function isCurrencyCode(currency: string): boolean {
  return /^[A-Z]{3}$/.test(currency);
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

// An axis label: "$1.2K", "€350", or a plain compact number when the currency is not one code.
export function formatAmountTick(value: number, currency: string): string {
  if (!isCurrencyCode(currency)) return formatCompact(value);
  let f = moneyFormats.get(currency);
  if (f === undefined) {
    f = new Intl.NumberFormat('en-US', { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 });
    moneyFormats.set(currency, f);
  }
  return f.format(value);
}

const TICK_STEPS = [
  SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY,
];

export interface TimeTick {
  value: number;
  label: string | string[]; // two lines: the time, and under it the day where the day changes
}

// Ticks for a time axis from fromMs to toMs, at most maxTicks, on round times of the viewer's clock.
// When the span crosses midnight, the first tick and each one on a new day also name the day; ticks a
// day or more apart name only the day.
export function timeTicks(fromMs: number, toMs: number, maxTicks: number): TimeTick[] {
  const span = toMs - fromMs;
  if (!(span > 0)) return [];
  const step = TICK_STEPS.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks / DAY) * DAY;
  // Round in local time: the time-zone offset of the first tick (a DST change within the span shifts the
  // later ones by an hour, which is still a round time).
  const offset = -new Date(fromMs).getTimezoneOffset() * MINUTE;
  const multiDay = !sameDay(fromMs, toMs - 1);
  const ticks: TimeTick[] = [];
  let previous: number | null = null;
  for (let v = Math.ceil((fromMs + offset) / step) * step - offset; v <= toMs; v += step) {
    let label: string | string[];
    if (step >= DAY) label = formatDay(v);
    else {
      const time = step < MINUTE ? formatTime(v) : formatTime(v).slice(0, 5);
      label = multiDay && (previous === null || !sameDay(previous, v)) ? [time, formatDay(v)] : time;
    }
    ticks.push({ value: v, label });
    previous = v;
  }
  return ticks;
}
