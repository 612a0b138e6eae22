// The history behind the amount chart: per-type count, sum and maximum of the amounts in buckets of event
// time, merged over partitions, in three tiers (5 s for half an hour, 1 min for two days, 1 h for about
// a year), so that each range the page offers (last 5 min, last hour, all) is answered from a few hundred
// buckets at most and memory stays bounded whatever the event clock does.
//
// Buckets take windows in and out like the running totals (window-store.ts): a re-sent window replaces
// the earlier one, so its old version is taken out (sign -1) before the new one goes in. Counts and sums
// come out exactly; maxima cannot, but a superset only widens them.
//
// When a tier is full it drops a bucket ahead of the current event clock first (left behind by a clock
// that went back: a new bank, a processor restored at another time), else its oldest. The same rule keeps
// the window store's per-second windows; see evictionVictim.
import { TRANSACTION_TYPES, type TransactionType } from '../bank/transaction.ts';
import { MIXED_CURRENCY, type WindowAggregate } from '../formats/metrics-window.ts';
import type { AmountStats, BucketView, RangeName, SeriesView } from './views.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const TIERS = [
  { widthMs: 5 * SECOND, maxBuckets: 360 }, // 30 min
  { widthMs: MINUTE, maxBuckets: 2 * 24 * 60 }, // 2 days
  { widthMs: HOUR, maxBuckets: 400 * 24 }, // 400 days
] as const;

// Bucket widths a range may use: each a multiple of a tier's width, read as round numbers on the axis.
const NICE_WIDTHS_MS = [
  5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY,
];

// The fixed ranges: their span and nominal bucket (60 points each); `all` spans what is kept, in about
// ALL_POINTS buckets.
export const RANGE_SPECS: Readonly<Record<Exclude<RangeName, 'all'>, { spanMs: number; bucketMs: number }>> = {
  '5m': { spanMs: 5 * MINUTE, bucketMs: 5 * SECOND },
  '1h': { spanMs: HOUR, bucketMs: MINUTE },
};
const ALL_POINTS = 120;

interface Bucket {
  startMs: number;
  valid: number;
  currency: string; // '' until a window with transactions was counted
  byType: BucketView['byType'];
}

// The start to drop from a full, ascending list: the newest when it lies ahead of the event clock's head,
// else the oldest.
export function evictionVictim(starts: readonly number[], headMs: number | null): number | undefined {
  const newest = starts[starts.length - 1];
  if (headMs !== null && newest !== undefined && newest >= headMs) return newest;
  return starts[0];
}

export function insertSorted(arr: number[], value: number): void {
  // Windows arrive nearly in order, so the common case is an append.
  let i = arr.length;
  while (i > 0 && (arr[i - 1] as number) > value) i--;
  arr.splice(i, 0, value);
}

function mergeCurrency(a: string, b: string): string {
  if (a === '' || a === b) return b;
  return b === '' ? a : MIXED_CURRENCY;
}

export class BucketSeries {
  readonly widthMs: number;
  readonly maxBuckets: number;
  evicted = 0;
  private readonly buckets = new Map<number, Bucket>();
  private readonly starts: number[] = []; // ascending
  private readonly headMs: () => number | null;
  // The bucket the last window went to: windows arrive nearly in order, so most go to the same one.
  private last: Bucket | undefined;

  constructor(widthMs: number, maxBuckets: number, headMs: () => number | null) {
    this.widthMs = widthMs;
    this.maxBuckets = maxBuckets;
    this.headMs = headMs;
  }

  get size(): number {
    return this.starts.length;
  }

  get oldestMs(): number | undefined {
    return this.starts[0];
  }

  add(w: WindowAggregate, sign: 1 | -1): void {
    const start = Math.floor(w.windowStartMs / this.widthMs) * this.widthMs;
    let b = this.last !== undefined && this.last.startMs === start ? this.last : this.buckets.get(start);
    if (b === undefined) {
      if (sign < 0) return;
      b = { startMs: start, valid: 0, currency: '', byType: {} };
      this.buckets.set(start, b);
      insertSorted(this.starts, start);
      if (this.starts.length > this.maxBuckets) this.evict();
      if (!this.buckets.has(start)) return;
    }
    this.last = b;
    if (sign > 0 && w.valid > 0) b.currency = mergeCurrency(b.valid > 0 ? b.currency : '', w.currency);
    b.valid += sign * w.valid;
    // The window's own types only: most windows hold a few of them.
    for (const key in w.byType) {
      const type = key as TransactionType;
      const s = w.byType[type];
      if (s === undefined) continue;
      const t = b.byType[type];
      if (t === undefined) {
        if (sign > 0) b.byType[type] = { count: s.count, sumCents: s.sumCents, maxCents: s.maxCents };
        continue;
      }
      t.count += sign * s.count;
      t.sumCents += sign * s.sumCents;
      if (sign > 0) t.maxCents = Math.max(t.maxCents, s.maxCents);
      if (t.count <= 0) delete b.byType[type];
    }
  }

  // Buckets of `widthMs` (a multiple of this tier's width) in [fromMs, toMs) with transactions, oldest first.
  collect(widthMs: number, fromMs: number, toMs: number): BucketView[] {
    const out: BucketView[] = [];
    let i = lowerBound(this.starts, fromMs);
    let current: BucketView | null = null;
    for (; i < this.starts.length; i++) {
      const start = this.starts[i] as number;
      if (start >= toMs) break;
      const b = this.buckets.get(start) as Bucket;
      if (b.valid <= 0) continue;
      const key = Math.floor(start / widthMs) * widthMs;
      if (current === null || current.startMs !== key) {
        current = { startMs: key, currency: '', byType: {} };
        out.push(current);
      }
      current.currency = mergeCurrency(current.currency, b.currency);
      for (const type of TRANSACTION_TYPES) {
        const s = b.byType[type];
        if (s === undefined) continue;
        const t: AmountStats | undefined = current.byType[type];
        if (t === undefined) current.byType[type] = { ...s };
        else {
          t.count += s.count;
          t.sumCents += s.sumCents;
          t.maxCents = Math.max(t.maxCents, s.maxCents);
        }
      }
    }
    return out;
  }

  private evict(): void {
    const victim = evictionVictim(this.starts, this.headMs());
    if (victim === undefined) return;
    if (victim === this.starts[0]) this.starts.shift();
    else this.starts.pop();
    this.buckets.delete(victim);
    if (this.last?.startMs === victim) this.last = undefined;
    this.evicted++;
  }
}

function lowerBound(arr: readonly number[], value: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class AmountHistory {
  readonly tiers: BucketSeries[];
  private readonly headMs: () => number | null;

  constructor(headMs: () => number | null, tiers: ReadonlyArray<{ widthMs: number; maxBuckets: number }> = TIERS) {
    this.headMs = headMs;
    this.tiers = tiers.map((t) => new BucketSeries(t.widthMs, t.maxBuckets, headMs));
  }

  add(w: WindowAggregate, sign: 1 | -1): void {
    for (const tier of this.tiers) tier.add(w, sign);
  }

  // A range up to the event clock's head: the whole view (SeriesView.full), with the buckets that hold
  // transactions; the ones in between are gaps. windowMs: the windows' length, the finest bucket possible.
  series(range: RangeName, windowMs: number): SeriesView {
    const head = this.headMs();
    if (head === null) return { range, bucketMs: RANGE_SPECS['5m'].bucketMs, fromMs: 0, toMs: 0, headMs: null, currency: '', full: true, buckets: [] };
    let widthMs: number;
    let fromMs: number;
    if (range === 'all') {
      // The finest tier that still holds everything it was given sets where history starts.
      const source = this.tiers.find((t) => t.evicted === 0) ?? (this.tiers[this.tiers.length - 1] as BucketSeries);
      const oldest = source.oldestMs ?? head;
      widthMs = niceWidth(Math.max((head - oldest) / ALL_POINTS, windowMs, source.widthMs));
      fromMs = Math.floor(oldest / widthMs) * widthMs;
    } else {
      const spec = RANGE_SPECS[range];
      widthMs = niceWidth(Math.max(spec.bucketMs, windowMs));
      fromMs = Math.ceil(head / widthMs) * widthMs - Math.max(spec.spanMs, widthMs);
    }
    const tier = finestTier(this.tiers, widthMs, fromMs);
    const toMs = Math.max(Math.ceil(head / widthMs) * widthMs, fromMs + widthMs);
    const buckets = tier.collect(widthMs, fromMs, toMs);
    let currency = '';
    for (const b of buckets) currency = mergeCurrency(currency, b.currency);
    return { range, bucketMs: widthMs, fromMs, toMs, headMs: head, currency, full: true, buckets };
  }
}

function niceWidth(atLeastMs: number): number {
  return NICE_WIDTHS_MS.find((w) => w >= atLeastMs) ?? Math.ceil(atLeastMs / DAY) * DAY;
}

// The finest tier whose buckets tile widthMs and that still holds what it was given from fromMs on; else
// the finest that tiles widthMs at all. That one may have lost part of the range (a clock that jumped
// back over windows it evicted), but what it holds is the range's newest data at the asked resolution,
// where a coarser tier would give no bucket of that width at all.
function finestTier(tiers: readonly BucketSeries[], widthMs: number, fromMs: number): BucketSeries {
  const covers = (t: BucketSeries) => t.evicted === 0 || (t.oldestMs !== undefined && t.oldestMs <= fromMs);
  const tiles = (t: BucketSeries) => widthMs % t.widthMs === 0;
  return tiers.find((t) => tiles(t) && covers(t)) ?? tiers.find(tiles) ?? (tiers[tiers.length - 1] as BucketSeries);
}
