// The processing spread over several threads, each a RunnerThread (runner-thread.ts) with a StreamRunner of
// its own, driven from the thread that talks to Kafka exactly as one is.
//
// Why: validation, rules and checkpoints cost several times what the Kafka client's decoding does, so
// with one processing thread the processor's speed is that thread's, however many cores there are. A
// partition's records and state belong to one runner only, so partitions can be processed apart: each
// thread owns some of this member's partitions, with their state, checkpoints and commits, and the
// checkpoint protocol (checkpoints.ts) holds per partition as before. Records go to their partition's
// thread in stream order.
//
// A partition stays on its thread for as long as this member owns it: moving it would mean one thread
// dropping its state while another restores it from a snapshot that the first may still be storing. A
// partition newly owned goes to the thread with the fewest.
import v8 from 'node:v8';
import { addCounts } from './aggregates.ts';
import type { InputRecord } from './partition-processor.ts';
import { addQuality, emptyQuality, summarizeQuality } from './quality.ts';
import type { RunnerStats } from './runner.ts';
import { RunnerThread, type RunnerThreadOptions } from './runner-thread.ts';

// How far V8 lets an old generation grow past what survived its last full collection before the next
// one, in %. Left to itself V8 picks up to 300% for a heap it collects fast, and the processing thread's
// old generation reached 350-430 MB before a full collection. 100% was chosen while the rules still left
// old-generation garbage with every record, when 50% cost 15-40% more CPU. Since account state changes in
// place, that generation grows mostly with the state itself (about five full collections over the
// end-to-end bench's 500,000 records at 100%), and 50% costs little: processor alone over 300,000 of the
// bench's records (runs interleaved, loaded machine), peak RSS 356 and 368 MB against 400 and 401 at
// 100% (349-360 with one snapshot stored at a time, checkpoints.ts), CPU time 15.8-17.8 s against
// 14.4-17.5 s in five runs each; end to end 364-389 MB against 408-425 (3 runs each). It is no cap: a larger
// bank's state grows the heap as before, only collected a little more often. The flag is the process's
// (both threads), and V8 reads it at every full collection, so it is set here, once for the processor.
const HEAP_GROWING_PERCENT = 50;

export class RunnerThreads {
  private readonly threads: RunnerThread[];
  private readonly home = new Map<number, RunnerThread>(); // partition -> the thread that owns it
  private assigned: ReadonlySet<number> | null = null; // null until the first assignment
  onFailure: (() => void) | null = null; // the consume loop stops reading when a thread fails

  constructor(options: RunnerThreadOptions, count: number) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`processing threads must be a whole number ≥ 1, got ${count}`);
    v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    this.threads = Array.from({ length: count }, () => new RunnerThread(options));
    for (const t of this.threads) t.onFailure = () => this.onFailure?.();
  }

  // A record of a partition this member no longer owns (fetched before a rebalance) goes to the first
  // thread, whose runner drops it and counts it as foreign, as it would any.
  push(record: InputRecord): void {
    const p = record.partition;
    const t = this.assigned === null || this.assigned.has(p) ? this.threadOf(p) : (this.threads[0] as RunnerThread);
    t.push(record);
  }

  caughtUp(): void {
    for (const t of this.threads) t.caughtUp();
  }

  // Reading waits while any thread is full: the records after it may be for that thread.
  get full(): boolean {
    return this.threads.some((t) => t.full);
  }

  async room(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.room()));
  }

  tick(): void {
    for (const t of this.threads) t.tick();
  }

  rebalanceStarted(): void {
    for (const t of this.threads) t.rebalanceStarted();
  }

  // Resolves with the partitions whose state was dropped, by any thread.
  async assignmentChanged(partitions: number[], fresh: boolean): Promise<number[]> {
    const owned = new Set(partitions);
    this.assigned = owned;
    for (const p of [...this.home.keys()]) if (!owned.has(p)) this.home.delete(p);
    for (const p of partitions) this.threadOf(p);
    const dropped = await Promise.all(this.threads.map((t) => t.assignmentChanged(partitions.filter((p) => this.home.get(p) === t), fresh)));
    return dropped.flat().sort((a, b) => a - b);
  }

  stopAccepting(): void {
    for (const t of this.threads) t.stopAccepting();
  }

  get failed(): boolean {
    return this.threads.some((t) => t.failed);
  }

  throwIfFailed(): void {
    for (const t of this.threads) t.throwIfFailed();
  }

  async close(): Promise<void> {
    const closed = await Promise.allSettled(this.threads.map((t) => t.close()));
    for (const c of closed) if (c.status === 'rejected') throw c.reason;
  }

  async terminate(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  // The threads' latest reports added up; null before every thread has made one.
  stats(): RunnerStats | null {
    const each = this.threads.map((t) => t.stats());
    if (each.some((s) => s === null)) return null;
    return mergeStats(each as RunnerStats[]);
  }

  private threadOf(partition: number): RunnerThread {
    let t = this.home.get(partition);
    if (t === undefined) {
      const load = new Map(this.threads.map((x) => [x, 0]));
      for (const x of this.home.values()) load.set(x, (load.get(x) ?? 0) + 1);
      t = this.threads.reduce((a, b) => ((load.get(b) ?? 0) < (load.get(a) ?? 0) ? b : a));
      this.home.set(partition, t);
    }
    return t;
  }
}

// Counts add up, the first record is the earliest and the latest the latest, partitions are united.
export function mergeStats(each: readonly RunnerStats[]): RunnerStats {
  const [first, ...rest] = each;
  if (first === undefined) throw new RangeError('no runner stats to merge');
  if (rest.length === 0) return first;
  const quality = emptyQuality();
  const dlqByReason: Record<string, number> = {};
  const sum = (pick: (s: RunnerStats) => number) => each.reduce((n, s) => n + pick(s), 0);
  const times = (pick: (s: RunnerStats) => number | null) => each.map(pick).filter((t): t is number => t !== null);
  for (const s of each) {
    addQuality(quality, s.quality);
    addCounts(dlqByReason, s.dlqByReason);
  }
  const firsts = times((s) => s.firstRecordMs);
  const lasts = times((s) => s.lastRecordMs);
  const union = (pick: (s: RunnerStats) => number[]) => [...new Set(each.flatMap(pick))].sort((a, b) => a - b);
  return {
    processed: sum((s) => s.processed),
    valid: sum((s) => s.valid),
    dlq: sum((s) => s.dlq),
    dlqByReason,
    skipped: sum((s) => s.skipped),
    foreign: sum((s) => s.foreign),
    reseeks: sum((s) => s.reseeks),
    alerts: sum((s) => s.alerts),
    notifications: sum((s) => s.notifications),
    cases: sum((s) => s.cases),
    suppressed: sum((s) => s.suppressed),
    metricsWindows: sum((s) => s.metricsWindows),
    checkpoints: sum((s) => s.checkpoints),
    snapshotsStored: sum((s) => s.snapshotsStored),
    firstRecordMs: firsts.length > 0 ? Math.min(...firsts) : null,
    lastRecordMs: lasts.length > 0 ? Math.max(...lasts) : null,
    restores: sum((s) => s.restores),
    freshStarts: sum((s) => s.freshStarts),
    owned: union((s) => s.owned),
    everOwned: union((s) => s.everOwned),
    quality,
    qualitySummary: summarizeQuality(quality),
  };
}
