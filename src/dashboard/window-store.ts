// The dashboard's view of bank_metrics: the latest window per (source partition, windowStartMs), merged
// across partitions on demand, plus running totals.
//
// Replacement, not addition (see src/processor/aggregates.ts): a processor that restarts re-sends the
// windows that were open at its last snapshot, and each re-sent window is the same or a superset of the
// earlier one. So a window replaces every stored window of the same start whose partitions overlap it,
// and the totals take the old one out before adding the new one. Counts and sums are taken out exactly;
// minima and maxima cannot be, but a superset only widens them, so keeping the wider value is exact.
//
// Memory is bounded by keeping `maxWindows` window starts: when full, a start ahead of the event clock's
// head goes first (left behind when the clock went back, see event-clock.ts), else the oldest. A window
// older than all of them while the store is full is counted in the totals and the amount history but not
// kept: only a processor catching up from far behind sends those, and should it be a re-send of an
// evicted window it is counted twice; that is the price of bounded memory, and it needs a processor
// restarting more than maxWindows seconds behind.
//
// The amount history (amount-series.ts) takes every window in and out with the totals and answers the
// page's chart ranges; the event clock says where event time stands and how fast it runs.
import { TRANSACTION_TYPES, type TransactionType } from '../bank/transaction.ts';
import { mergeWindows, type WindowAggregate } from '../processor/aggregates.ts';
import { addQuality, emptyQuality, QUALITY_KEYS, type QualityCounters } from '../processor/quality.ts';
import { AmountHistory, evictionVictim, insertSorted } from './amount-series.ts';
import { EventClock } from './event-clock.ts';
import type { ClockView, RangeName, SeriesView, TotalsView, TypeTotals, TypeView, WindowView } from './views.ts';

export const DEFAULT_MAX_WINDOWS = 600;
// Throughput is averaged over this many windows before the newest, which is usually still missing
// partitions that have not closed it yet.
const THROUGHPUT_WINDOWS = 5;
// A source partition counts as reporting while its processor published a window within this span of
// wall-clock time. Not "has a window among the latest seconds": the simulated clock runs hundreds of
// times faster than the wall clock, so at a demo rate most event-time seconds hold one partition's
// transactions or none, and a count over the latest windows jumps between 1 and all of them.
export const REPORTING_SPAN_MS = 30_000;

export interface AddResult {
  stored: boolean; // false: older than every kept window, counted in the totals only
  startMs: number;
}

export class WindowStore {
  readonly maxWindows: number;
  private readonly byStart = new Map<number, WindowAggregate[]>();
  private readonly starts: number[] = []; // ascending, same keys as byStart
  private readonly mergedCache = new Map<number, WindowView>();
  private readonly totals = new RunningTotals();
  private readonly reportedAtMs = new Map<number, number>(); // source partition -> newest report, wall clock
  private readonly clock = new EventClock();
  private readonly history = new AmountHistory(() => this.clock.headMs);
  private windowMs = 1000; // of the newest window: the finest bucket the chart can have

  constructor(maxWindows = DEFAULT_MAX_WINDOWS) {
    if (!Number.isInteger(maxWindows) || maxWindows < 1) throw new RangeError(`maxWindows must be a positive integer, got ${maxWindows}`);
    this.maxWindows = maxWindows;
  }

  get size(): number {
    return this.starts.length;
  }

  // reportedAtMs: when the processor published the window (the record's timestamp), so windows re-read
  // as history after a dashboard restart do not make a stopped processor's partitions look alive.
  add(w: WindowAggregate, reportedAtMs = Date.now()): AddResult {
    for (const p of w.partitions) this.reportedAtMs.set(p, Math.max(reportedAtMs, this.reportedAtMs.get(p) ?? reportedAtMs));
    // A window of dead letters only has no event time of its own (see src/processor/aggregates.ts): its
    // start may come from another clock than the transactions'.
    if (w.valid > 0) this.clock.observe(reportedAtMs, w.windowStartMs + w.windowMs);
    this.windowMs = w.windowMs;
    const start = w.windowStartMs;
    let list = this.byStart.get(start);
    if (list === undefined) {
      if (this.starts.length >= this.maxWindows) {
        const victim = evictionVictim(this.starts, this.clock.headMs) as number;
        if (victim === this.starts[0] && start < victim) {
          this.count(w, 1);
          return { stored: false, startMs: start };
        }
        this.evict(victim);
      }
      list = [];
      this.byStart.set(start, list);
      insertSorted(this.starts, start);
    }
    const kept: WindowAggregate[] = [];
    for (const old of list) {
      if (old.windowMs !== w.windowMs || old.partitions.some((p) => w.partitions.includes(p))) {
        this.count(old, -1);
      } else {
        kept.push(old);
      }
    }
    kept.push(w);
    this.byStart.set(start, kept);
    this.count(w, 1);
    this.mergedCache.delete(start);
    return { stored: true, startMs: start };
  }

  // Merged view of one window start, or undefined when it is not (or no longer) kept.
  view(startMs: number): WindowView | undefined {
    const cached = this.mergedCache.get(startMs);
    if (cached !== undefined) return cached;
    const list = this.byStart.get(startMs);
    if (list === undefined || list.length === 0) return undefined;
    let merged = list[0] as WindowAggregate;
    for (let i = 1; i < list.length; i++) merged = mergeWindows(merged, list[i] as WindowAggregate);
    const view = toView(merged);
    this.mergedCache.set(startMs, view);
    return view;
  }

  // The newest `limit` merged windows up to the event clock's head, oldest first.
  recent(limit: number): WindowView[] {
    const out: WindowView[] = [];
    const head = this.clock.headMs;
    let end = this.starts.length;
    while (head !== null && end > 0 && (this.starts[end - 1] as number) >= head) end--;
    for (const start of this.starts.slice(Math.max(0, end - limit), end)) {
      const v = this.view(start);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  totalsView(nowMs = Date.now()): TotalsView {
    const t = this.totals;
    const recent = this.starts.slice(-1 - THROUGHPUT_WINDOWS, this.starts.length > 1 ? -1 : undefined);
    let records = 0;
    let spanMs = 0;
    for (const start of recent) {
      for (const w of this.byStart.get(start) ?? []) records += w.records;
      spanMs += this.byStart.get(start)?.[0]?.windowMs ?? 0;
    }
    const partitions: number[] = [];
    for (const [p, at] of this.reportedAtMs) if (at > nowMs - REPORTING_SPAN_MS) partitions.push(p);
    return {
      sinceMs: t.sinceMs,
      untilMs: t.untilMs,
      records: t.records,
      valid: t.valid,
      dlq: t.dlq,
      late: t.late,
      byType: t.typeTotals(),
      alertsByRule: { ...t.alertsByRule },
      alertsBySeverity: { ...t.alertsBySeverity },
      dlqByReason: { ...t.dlqByReason },
      throughputPerSec: spanMs === 0 ? 0 : (records * 1000) / spanMs,
      partitions: partitions.sort((a, b) => a - b),
    };
  }

  quality(): QualityCounters {
    return addQuality(emptyQuality(), this.totals.quality);
  }

  // One range of the amount chart, up to the event clock's head.
  series(range: RangeName): SeriesView {
    return this.history.series(range, this.windowMs);
  }

  clockView(): ClockView {
    return this.clock.view();
  }

  private count(w: WindowAggregate, sign: 1 | -1): void {
    this.totals.add(w, sign);
    this.history.add(w, sign);
  }

  private evict(start: number): void {
    if (start === this.starts[0]) this.starts.shift();
    else this.starts.pop();
    this.byStart.delete(start);
    this.mergedCache.delete(start);
  }
}

function toView(w: WindowAggregate): WindowView {
  const byType: Partial<Record<TransactionType, TypeView>> = {};
  for (const type of TRANSACTION_TYPES) {
    const s = w.byType[type];
    if (s !== undefined && s.count > 0) byType[type] = { count: s.count, sumCents: s.sumCents, avgCents: s.sumCents / s.count, maxCents: s.maxCents };
  }
  let alerts = 0;
  for (const n of Object.values(w.alertsBySeverity)) alerts += n;
  return {
    startMs: w.windowStartMs,
    windowMs: w.windowMs,
    partitions: w.partitions.length,
    records: w.records,
    dlq: w.dlq,
    late: w.late,
    alerts,
    byType,
  };
}

class RunningTotals {
  records = 0;
  valid = 0;
  dlq = 0;
  late = 0;
  sinceMs: number | null = null;
  untilMs: number | null = null;
  readonly byType = new Map<TransactionType, TypeTotals>();
  readonly alertsByRule: Record<string, number> = {};
  readonly alertsBySeverity: Record<string, number> = {};
  readonly dlqByReason: Record<string, number> = {};
  readonly quality: QualityCounters = emptyQuality();

  add(w: WindowAggregate, sign: 1 | -1): void {
    this.records += sign * w.records;
    this.valid += sign * w.valid;
    this.dlq += sign * w.dlq;
    this.late += sign * w.late;
    addSigned(this.alertsByRule, w.alertsByRule, sign);
    addSigned(this.alertsBySeverity, w.alertsBySeverity, sign);
    addSigned(this.dlqByReason, w.dlqByReason, sign);
    for (const type of TRANSACTION_TYPES) {
      const s = w.byType[type];
      if (s === undefined) continue;
      const t = this.byType.get(type);
      if (t === undefined) {
        if (sign > 0) this.byType.set(type, { count: s.count, sumCents: s.sumCents, minCents: s.minCents, maxCents: s.maxCents });
        continue;
      }
      t.count += sign * s.count;
      t.sumCents += sign * s.sumCents;
      if (sign > 0) {
        t.minCents = Math.min(t.minCents, s.minCents);
        t.maxCents = Math.max(t.maxCents, s.maxCents);
      }
    }
    const q = this.quality;
    q.labeled += sign * w.quality.labeled;
    q.positives += sign * w.quality.positives;
    q.episodes += sign * w.quality.episodes;
    for (const key of QUALITY_KEYS) {
      const into = q.byRule[key];
      const from = w.quality.byRule[key];
      into.tp += sign * from.tp;
      into.fp += sign * from.fp;
      into.detected += sign * from.detected;
      into.ttdSumMs += sign * from.ttdSumMs;
      if (sign > 0) into.ttdMaxMs = Math.max(into.ttdMaxMs, from.ttdMaxMs);
    }
    if (sign > 0) {
      this.sinceMs = Math.min(this.sinceMs ?? w.windowStartMs, w.windowStartMs);
      this.untilMs = Math.max(this.untilMs ?? 0, w.windowStartMs + w.windowMs);
    }
  }

  typeTotals(): Partial<Record<TransactionType, TypeTotals>> {
    const out: Partial<Record<TransactionType, TypeTotals>> = {};
    for (const type of TRANSACTION_TYPES) {
      const t = this.byType.get(type);
      if (t !== undefined && t.count > 0) out[type] = { ...t };
    }
    return out;
  }
}

function addSigned(into: Record<string, number>, from: Record<string, number>, sign: 1 | -1): void {
  for (const [k, v] of Object.entries(from)) {
    const n = (into[k] ?? 0) + sign * v;
    if (n === 0) delete into[k];
    else into[k] = n;
  }
}
