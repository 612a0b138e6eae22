// Per-second (windowMs) aggregates by event time, per partition, for bank_metrics.
//
// A window [start, start + windowMs) closes once the partition watermark (max event time seen) reaches
// start + windowMs + latenessMs; closed windows are returned for publishing, oldest first, and only if
// something happened in them. A record older than every open window is not dropped: it is added to the
// window holding the watermark and counted in `late`, so totals over time stay exact even when the
// per-second placement of a straggler cannot be.
//
// Dead letters carry no event time of their own; they count in the window that holds the watermark. Before
// the partition's first valid record there is no watermark, and a bad record's Kafka timestamp may run on
// another clock than the transactions' event time (wall clock vs a simulation's): taking it for the
// watermark would place every later window behind one from another clock, all of them late. Such dead
// letters are held instead, in a window of their own at the first one's record timestamp, which goes out
// with the first valid record (or flushed). Its key is fixed by the first of them, so a flushed partial
// version and the complete one a later owner sends (from the snapshot) are the same window, as for every
// other window.
//
// A partition that goes quiet shows its open windows (and held dead letters) as they stand, without
// closing them (shown()): the dashboard sees the latest second at once, and a record that comes later
// still lands in its own window, which goes out again, complete, when it closes. Closing them instead
// would let a timer, not the records, decide where later records count; a restart replaying the same
// records without that timer would then send a window of the same key with other records in it, and
// "the latest (largest) version replaces the others" would no longer add up to the input.
//
// Mergeability: every field is a count, sum, min or max (averages and throughput are recomputed from
// them), and each window lists the partitions it covers. A dashboard keeps the latest window per
// (partition, windowStartMs): a window re-sent after a restart is the same or a superset, so it replaces
// rather than adds. It then merges the windows of different partitions/processors with mergeWindows.
import type { TransactionType } from '../bank/transaction.ts';
import { DEFAULT_CURRENCY, MIXED_CURRENCY, type TypeStats, type WindowAggregate } from '../formats/metrics-window.ts';
import type { Alert } from './alert.ts';
import { addQuality, cloneQuality, emptyWindowQuality, type QualityCounters } from './quality.ts';
import { SnapshotMismatchError } from './state.ts';

export type { TypeStats, WindowAggregate };

export interface AggregatorSnapshot {
  watermarkMs: number | null;
  closedBeforeMs: number | null; // every window starting before this has been emitted
  open: WindowAggregate[];
  held?: HeldDeadLetters | null; // absent in snapshots written before it existed
  // The window length the snapshot was written with; absent in older snapshots, whose open windows
  // (if any) still say it. Closed windows' keys depend on it, so a restore under another length must
  // fail even when no window is open (after a flush, say).
  windowMs?: number;
}

// Dead letters seen before the first valid record, and the record timestamp of the first of them.
export interface HeldDeadLetters {
  records: number;
  dlqByReason: Record<string, number>;
  firstRecordMs: number;
}

export function emptyWindow(partition: number, windowStartMs: number, windowMs: number): WindowAggregate {
  return {
    partitions: [partition],
    windowStartMs,
    windowMs,
    records: 0,
    valid: 0,
    dlq: 0,
    late: 0,
    throughputPerSec: 0,
    dlqByReason: {},
    byType: {},
    alertsByRule: {},
    alertsBySeverity: {},
    quality: emptyWindowQuality(),
    currency: DEFAULT_CURRENCY,
  };
}

// The currency of two windows' transactions together; a window without transactions has none to add.
function mergeCurrency(into: WindowAggregate, from: WindowAggregate): string {
  if (from.valid === 0) return into.currency;
  if (into.valid === 0) return from.currency;
  return into.currency === from.currency ? into.currency : MIXED_CURRENCY;
}

// Merge two windows of the same time span from disjoint partitions. Overlapping partitions would count
// the same records twice, which is a caller bug (replace re-sent windows first), so it throws.
export function mergeWindows(a: WindowAggregate, b: WindowAggregate): WindowAggregate {
  if (a.windowStartMs !== b.windowStartMs || a.windowMs !== b.windowMs) {
    throw new RangeError(`cannot merge window ${a.windowStartMs}+${a.windowMs} with ${b.windowStartMs}+${b.windowMs}`);
  }
  const overlap = a.partitions.filter((p) => b.partitions.includes(p));
  if (overlap.length > 0) throw new RangeError(`windows both cover partition(s) ${overlap.join(', ')}`);

  const out = emptyWindow(0, a.windowStartMs, a.windowMs);
  out.partitions = [...a.partitions, ...b.partitions].sort((x, y) => x - y);
  for (const w of [a, b]) {
    out.currency = mergeCurrency(out, w);
    out.records += w.records;
    out.valid += w.valid;
    out.dlq += w.dlq;
    out.late += w.late;
    addCounts(out.dlqByReason, w.dlqByReason);
    addCounts(out.alertsByRule, w.alertsByRule);
    addCounts(out.alertsBySeverity, w.alertsBySeverity);
    for (const [type, s] of Object.entries(w.byType) as Array<[TransactionType, TypeStats]>) {
      const t = out.byType[type];
      if (t === undefined) {
        out.byType[type] = { ...s };
      } else {
        t.count += s.count;
        t.sumCents += s.sumCents;
        t.minCents = Math.min(t.minCents, s.minCents);
        t.maxCents = Math.max(t.maxCents, s.maxCents);
        t.avgCents = t.sumCents / t.count;
      }
    }
    addQuality(out.quality, w.quality);
  }
  out.throughputPerSec = (out.records * 1000) / out.windowMs;
  return out;
}

export class WindowAggregator {
  readonly partition: number;
  readonly windowMs: number;
  readonly latenessMs: number;
  private readonly open = new Map<number, WindowAggregate>();
  private watermarkMs: number | null = null;
  private closedBeforeMs: number | null = null;
  private held: HeldDeadLetters | null = null;
  // What shown() last showed: records per open window start, records of the held dead letters.
  private readonly shownRecords = new Map<number, number>();
  private heldShown = 0;

  constructor(partition: number, windowMs: number, latenessMs: number) {
    this.partition = partition;
    this.windowMs = windowMs;
    this.latenessMs = latenessMs;
  }

  // currency: the transaction's ISO 4217 code, null when it stated none (counted as DEFAULT_CURRENCY).
  addTransaction(eventMs: number, type: TransactionType, amountCents: number, alerts: readonly Alert[], quality: QualityCounters | null, currency: string | null = null): void {
    const w = this.windowFor(eventMs);
    const c = currency ?? DEFAULT_CURRENCY;
    if (w.valid === 0) w.currency = c;
    else if (w.currency !== c) w.currency = MIXED_CURRENCY;
    w.records++;
    w.valid++;
    const s = w.byType[type];
    if (s === undefined) {
      w.byType[type] = { count: 1, sumCents: amountCents, minCents: amountCents, maxCents: amountCents, avgCents: amountCents };
    } else {
      s.count++;
      s.sumCents += amountCents;
      s.minCents = Math.min(s.minCents, amountCents);
      s.maxCents = Math.max(s.maxCents, amountCents);
      s.avgCents = s.sumCents / s.count;
    }
    for (const a of alerts) {
      w.alertsByRule[a.rule] = (w.alertsByRule[a.rule] ?? 0) + 1;
      w.alertsBySeverity[a.severity] = (w.alertsBySeverity[a.severity] ?? 0) + 1;
    }
    if (quality !== null) addQuality(w.quality, quality);
    w.throughputPerSec = (w.records * 1000) / this.windowMs;
  }

  // A dead letter, counted in the window of watermarkMs, the processor's watermark; held while there is
  // none yet (see above), with recordMs, the record's Kafka timestamp.
  addDlq(watermarkMs: number | null, reason: string, recordMs: number): void {
    if (watermarkMs === null) {
      this.held ??= { records: 0, dlqByReason: {}, firstRecordMs: recordMs };
      this.held.records++;
      this.held.dlqByReason[reason] = (this.held.dlqByReason[reason] ?? 0) + 1;
      return;
    }
    const w = this.windowFor(watermarkMs);
    w.records++;
    w.dlq++;
    w.dlqByReason[reason] = (w.dlqByReason[reason] ?? 0) + 1;
    w.throughputPerSec = (w.records * 1000) / this.windowMs;
  }

  // The open windows and held dead letters that changed since they were last shown or closed, as copies
  // of how they stand; nothing closes (see above). Not part of the state: after a restore they may be
  // shown again, the same or a superset.
  shown(): WindowAggregate[] {
    const out: WindowAggregate[] = [];
    if (this.held !== null && this.held.records !== this.heldShown) {
      this.heldShown = this.held.records;
      out.push(this.heldWindow(this.held));
    }
    for (const w of this.open.values()) {
      if (this.shownRecords.get(w.windowStartMs) === w.records) continue;
      this.shownRecords.set(w.windowStartMs, w.records);
      out.push(copyWindow(w));
    }
    if (out.length > 1) out.sort((a, b) => a.windowStartMs - b.windowStartMs);
    return out;
  }

  // The held dead letters' window, with the first valid record (and flush): a partition with no valid
  // record publishes them too.
  private releaseHeld(): WindowAggregate[] {
    if (this.held === null) return [];
    const held = this.held;
    this.held = null;
    this.heldShown = 0;
    return [this.heldWindow(held)];
  }

  private heldWindow(held: HeldDeadLetters): WindowAggregate {
    const w = emptyWindow(this.partition, Math.floor(held.firstRecordMs / this.windowMs) * this.windowMs, this.windowMs);
    w.records = held.records;
    w.dlq = held.records;
    w.dlqByReason = { ...held.dlqByReason };
    w.throughputPerSec = (w.records * 1000) / this.windowMs;
    return w;
  }

  // Moves the watermark forward (never back) and returns the windows that closed, oldest first (the held
  // dead letters' window, whose time is from another clock, ahead of them). The watermark is the
  // processor's: the largest event time of a valid record, so the first call comes with the first one.
  advance(watermarkMs: number): WindowAggregate[] {
    if (this.held !== null) return [...this.releaseHeld(), ...this.advance(watermarkMs)];
    if (this.watermarkMs !== null && watermarkMs <= this.watermarkMs) return [];
    this.watermarkMs = watermarkMs;
    const closedBefore = Math.floor((watermarkMs - this.latenessMs) / this.windowMs) * this.windowMs;
    if (this.closedBeforeMs === null || closedBefore > this.closedBeforeMs) this.closedBeforeMs = closedBefore;
    return this.take(closedBefore);
  }

  // Emits every open window and the held dead letters (shutdown, partition revoked). Windows may be
  // partial; a later owner that restores the last snapshot re-sends them complete under the same
  // (partition, windowStartMs).
  flush(): WindowAggregate[] {
    return [...this.releaseHeld(), ...this.take(Number.POSITIVE_INFINITY)];
  }

  // The open windows starting before `before`, oldest first. Called for every record: windows open in
  // event-time order nearly always, so the map's insertion order is usually the answer and the sort,
  // which allocates even for two elements, is skipped.
  private take(before: number): WindowAggregate[] {
    let out: WindowAggregate[] | null = null;
    let ordered = true;
    for (const w of this.open.values()) {
      if (w.windowStartMs >= before) continue;
      if (out === null) {
        out = [w];
        continue;
      }
      if (w.windowStartMs < (out[out.length - 1] as WindowAggregate).windowStartMs) ordered = false;
      out.push(w);
    }
    if (out === null) return [];
    for (const w of out) {
      this.open.delete(w.windowStartMs);
      this.shownRecords.delete(w.windowStartMs);
    }
    if (!ordered) out.sort((a, b) => a.windowStartMs - b.windowStartMs);
    return out;
  }

  private windowFor(eventMs: number): WindowAggregate {
    let start = Math.floor(eventMs / this.windowMs) * this.windowMs;
    let late = false;
    if (this.closedBeforeMs !== null && start < this.closedBeforeMs) {
      // advance() has run, so the watermark is set, and its window starts at or after closedBeforeMs.
      start = Math.floor((this.watermarkMs as number) / this.windowMs) * this.windowMs;
      late = true;
    }
    let w = this.open.get(start);
    if (w === undefined) {
      w = emptyWindow(this.partition, start, this.windowMs);
      this.open.set(start, w);
    }
    if (late) w.late++;
    return w;
  }

  toSnapshot(): AggregatorSnapshot {
    return {
      watermarkMs: this.watermarkMs,
      closedBeforeMs: this.closedBeforeMs,
      open: [...this.open.values()].map(copyWindow),
      held: this.held === null ? null : { ...this.held, dlqByReason: { ...this.held.dlqByReason } },
      windowMs: this.windowMs,
    };
  }

  static fromSnapshot(partition: number, windowMs: number, latenessMs: number, snapshot: AggregatorSnapshot): WindowAggregator {
    if (snapshot.windowMs !== undefined && snapshot.windowMs !== windowMs) {
      throw new SnapshotMismatchError(`snapshot window length ${snapshot.windowMs} ms differs from configured ${windowMs} ms`);
    }
    const agg = new WindowAggregator(partition, windowMs, latenessMs);
    agg.watermarkMs = snapshot.watermarkMs;
    agg.closedBeforeMs = snapshot.closedBeforeMs;
    agg.held = snapshot.held ? { ...snapshot.held, dlqByReason: { ...snapshot.held.dlqByReason } } : null;
    for (const w of snapshot.open) {
      if (w.windowMs !== windowMs) throw new SnapshotMismatchError(`snapshot window length ${w.windowMs} ms differs from configured ${windowMs} ms`);
      // Snapshots written before windows had a currency have none: the default, as the parser has it.
      const currency = (w as Partial<WindowAggregate>).currency ?? DEFAULT_CURRENCY;
      agg.open.set(w.windowStartMs, { ...copyWindow(w), currency });
    }
    return agg;
  }
}

export function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function copyWindow(w: WindowAggregate): WindowAggregate {
  const byType: Partial<Record<TransactionType, TypeStats>> = {};
  for (const [type, s] of Object.entries(w.byType) as Array<[TransactionType, TypeStats]>) byType[type] = { ...s };
  return {
    ...w,
    partitions: [...w.partitions],
    dlqByReason: { ...w.dlqByReason },
    byType,
    alertsByRule: { ...w.alertsByRule },
    alertsBySeverity: { ...w.alertsBySeverity },
    quality: cloneQuality(w.quality),
  };
}
