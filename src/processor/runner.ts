// The consume loop's brain, without Kafka: which PartitionProcessor gets a record, when outputs are sent,
// and the checkpoint protocol that makes a restart reproduce exactly the alerts of an uninterrupted run.
// src/processor/consumer.ts feeds it records from a consumer group and implements RunnerPorts with
// @platformatic/kafka; the tests implement RunnerPorts in memory and crash it at will.
//
// The invariants (docs/processor.md explains why they are enough):
// 1. A snapshot is stored only after every output of the records it covers is acknowledged, and the
//    consumer offset is committed only after the snapshot is stored. The checkpoint holds the loop, so no
//    record is processed between "all acknowledged" and "snapshot taken".
// 2. With every snapshot goes the end offset of the partition's alerts partition at that moment: every
//    alert produced for a later record lies at or after it. A restore reads the alerts from there and
//    hands their ids to PartitionProcessor.restore, which recomputes those alerts without returning them.
// 3. A partition is restored from its latest snapshot before its first record is processed, and records
//    are only applied from snapshot.nextOffset on (below: skipped; above: the loop seeks back).
// 4. Nothing is processed between a rebalance starting and the new assignment arriving; partitions that
//    are revoked (or possibly owned by someone else meanwhile) are dropped, never checkpointed again.
import type { Logger } from 'pino';
import type { WindowAggregate } from './aggregates.ts';
import type { ProcessorConfig } from './config.ts';
import { DLQ_HEADERS, PartitionProcessor, type InputRecord } from './partition-processor.ts';
import { addQuality, emptyQuality, summarizeQuality, type QualityCounters, type QualityKey, type RuleQualitySummary } from './quality.ts';
import { alertRecord, dlqRecord, metricsRecord, OUTPUT_HEADERS, type LocalSinks, type OutputRecord } from './sinks.ts';
import type { PartitionSnapshot } from './state.ts';
import { WindowArray } from '../formats/metrics-window.ts';

export interface StoredSnapshot {
  partition: number;
  snapshot: PartitionSnapshot;
  // Offset in the source partition's alerts partition from which alerts produced after this snapshot are
  // found; null when unknown (then the read-back starts at the log start).
  alertsFrom: bigint | null;
}

export interface CommitOffset {
  partition: number;
  offset: bigint;
}

// What the runner needs from the outside world. Every promise resolves once the broker acknowledged.
export interface RunnerPorts {
  send(records: OutputRecord[]): Promise<void>;
  loadSnapshot(partition: number): Promise<StoredSnapshot | null>;
  // Ids of this group's alerts for `partition` found in the alerts topic from `from` (null: log start) on.
  emittedAlertIds(partition: number, from: bigint | null): Promise<string[]>;
  // Current end offset of each partition's alerts partition.
  alertsEnd(partitions: readonly number[]): Promise<Map<number, bigint>>;
  saveSnapshots(snapshots: readonly StoredSnapshot[]): Promise<void>;
  commit(offsets: readonly CommitOffset[]): Promise<void>;
  // Make the next fetch of `partition` start at `offset`. Optional: without it a gap is only reported.
  seek?(partition: number, offset: bigint): void;
}

export interface RunnerOptions {
  config: ProcessorConfig;
  group: string;
  checkpointIntervalMs: number; // wall time between checkpoints while records flow
  checkpointRecords: number; // or after this many records, whichever comes first
  maxBatchRecords: number; // output records per send
  maxBatchBytes: number; // or this many key + value + header bytes: one send must stay under the broker's message size limit
  maxInFlight: number; // sends awaiting acknowledgement before the loop waits
  idleCloseMs: number; // wall time without records after which a partition's open windows are closed
  logger: Logger;
  local?: LocalSinks | undefined;
  now?: () => number; // wall clock in ms; injectable for tests
}

export interface RunnerStats {
  processed: number; // applied to a partition's state (valid + dlq)
  valid: number;
  dlq: number;
  dlqByReason: Record<string, number>;
  skipped: number; // below the restored nextOffset: already in the state
  foreign: number; // of partitions not (or no longer) assigned, dropped
  reseeks: number; // records dropped because they came after a gap; the partition was re-fetched
  alerts: number; // alerts acknowledged by the broker
  suppressed: number; // alerts recomputed after a restore but already in the alerts topic
  metricsWindows: number; // windows acknowledged
  checkpoints: number;
  snapshotsStored: number;
  firstRecordMs: number | null; // wall clock of the first and the latest processed record
  lastRecordMs: number | null;
  restores: number; // partitions started from a stored snapshot
  freshStarts: number; // partitions started without one
  owned: number[]; // partitions with live state right now
  everOwned: number[];
  quality: QualityCounters; // totals of the owned partitions since their first record
  qualitySummary: Record<QualityKey, RuleQualitySummary>;
}

// After a seek, records after the gap keep arriving from fetches already under way. They are dropped
// (and the seek repeated) for this long; then the gap is accepted as data that no longer exists, e.g.
// removed by retention.
const SEEK_PATIENCE_MS = 10_000;

// Record framing in a batch (length, attributes, varints) plus slack, so that the estimate stays above
// what the producer really sends.
const RECORD_OVERHEAD_BYTES = 32;

interface Seeking {
  offset: bigint;
  sinceMs: number | null; // set when the first record past the gap was dropped
}

export class StreamRunner {
  private readonly options: RunnerOptions;
  private readonly ports: RunnerPorts;
  private readonly now: () => number;
  private readonly processors = new Map<number, PartitionProcessor>();
  private readonly checkpointed = new Map<number, bigint>(); // nextOffset of the last stored snapshot
  private readonly lastRecordWallMs = new Map<number, number>();
  private readonly idleClosed = new Set<number>();
  private readonly expecting = new Map<number, Seeking>();
  private readonly everOwned = new Set<number>();
  private assigned: Set<number> | null = null; // null: every partition (no group, e.g. tests)
  private pending: OutputRecord[] = [];
  // Closed windows by source partition: they become one bank_metrics record per partition when the batch
  // is sent (see metricsRecord). Each window counts as one output toward maxBatchRecords.
  private readonly pendingWindows = new Map<number, WindowArray>();
  private pendingCount = 0;
  private sendWhenAcknowledged = false; // caughtUp() came while a send was under way
  private pendingBytes = 0;
  private readonly metricsRecordBytes: number; // a metrics record without its windows: framing, key, header, []
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown = null;
  private lock: Promise<void> | null = null;
  private gate: { promise: Promise<void>; open: () => void } | null = null;
  private sinceCheckpoint = 0;
  private lastCheckpointMs: number;
  private closed = false;
  private accepting = true;
  private readonly suppressedBase = new Map<number, number>(); // processor's suppressed count when started here
  private suppressedDropped = 0;
  private readonly counters = {
    processed: 0, valid: 0, dlq: 0, skipped: 0, foreign: 0, reseeks: 0, alerts: 0,
    metricsWindows: 0, checkpoints: 0, snapshotsStored: 0, restores: 0, freshStarts: 0,
  };
  private readonly dlqByReason: Record<string, number> = {};
  private firstRecordMs: number | null = null;
  private latestRecordMs: number | null = null;

  constructor(ports: RunnerPorts, options: RunnerOptions) {
    this.ports = ports;
    this.options = options;
    this.now = options.now ?? Date.now;
    this.lastCheckpointMs = this.now();
    this.metricsRecordBytes = RECORD_OVERHEAD_BYTES + 8 + OUTPUT_HEADERS.group.length + Buffer.byteLength(options.group) + 2;
  }

  // Feeds one record. Returns undefined when it was handled synchronously (the common case), else a
  // promise the caller must await before handing over the next record.
  handle(record: InputRecord): Promise<void> | undefined {
    if (!this.accepting) return undefined;
    if (this.lock !== null || this.gate !== null || this.failure !== null) return this.handleLater(record);
    const p = record.partition;
    if (this.assigned !== null && !this.assigned.has(p)) {
      this.counters.foreign++;
      return undefined;
    }
    const proc = this.processors.get(p);
    if (proc === undefined) return this.exclusive(() => this.start(p)).then(() => this.handle(record));
    if (this.expecting.size > 0 && this.expecting.has(p) && !this.acceptAfterRestore(p, BigInt(record.offset))) return undefined;

    const res = proc.process(record);
    if (res.skipped) {
      this.counters.skipped++;
      return undefined;
    }
    this.counters.processed++;
    if (res.tx !== null) this.counters.valid++;
    else this.counters.dlq++;
    for (const alert of res.alerts) this.enqueue(alertRecord(alert, this.options.group));
    if (res.dlq !== null) {
      const reason = res.dlq.headers[DLQ_HEADERS.reason] ?? 'unknown';
      this.dlqByReason[reason] = (this.dlqByReason[reason] ?? 0) + 1;
      this.enqueue(dlqRecord(res.dlq, p, this.options.group));
    }
    if (res.metrics.length > 0) this.enqueueWindows(p, res.metrics);
    this.sinceCheckpoint++;
    if (this.idleClosed.size > 0) this.idleClosed.delete(p);
    const now = this.now();
    this.lastRecordWallMs.set(p, now);
    this.firstRecordMs ??= now;
    this.latestRecordMs = now;
    if (now - this.lastCheckpointMs >= this.options.checkpointIntervalMs) return this.exclusive(() => this.checkpoint('interval'));
    if (this.sinceCheckpoint >= this.options.checkpointRecords) return this.exclusive(() => this.checkpoint('records'));
    if (this.inFlight.size >= this.options.maxInFlight) return this.exclusive(() => this.waitForRoom());
    return undefined;
  }

  // The source has nothing buffered right now: send what is pending instead of waiting for a full batch.
  // While a send is under way, the pending outputs go when it is acknowledged instead: at full speed the
  // source runs dry between every two fetch responses, and a send per response costs more than the
  // outputs themselves. Either way nothing waits longer than one round trip to the broker.
  caughtUp(): void {
    if (this.lock !== null || this.pendingCount === 0) return;
    if (this.inFlight.size === 0) this.sendPending();
    else this.sendWhenAcknowledged = true;
  }

  // Periodic work while the source may be idle: idle partitions' windows, time-based checkpoints.
  // Returns the work's promise (also recorded as a failure for the loop) or undefined if nothing to do.
  tick(): Promise<void> | undefined {
    if (this.lock !== null || this.gate !== null || this.closed || this.failure !== null) return undefined;
    const now = this.now();
    let closedWindows = false;
    for (const [p, proc] of this.processors) {
      const last = this.lastRecordWallMs.get(p);
      if (last === undefined || this.idleClosed.has(p) || now - last < this.options.idleCloseMs) continue;
      this.idleClosed.add(p);
      // The checkpoint right after makes the effect of closing (see closeIdle) part of the state before any
      // further record is processed.
      const windows = proc.closeIdle();
      if (windows.length > 0) {
        this.enqueueWindows(p, windows);
        closedWindows = true;
      }
    }
    const due = this.sinceCheckpoint > 0 && now - this.lastCheckpointMs >= this.options.checkpointIntervalMs;
    if (!closedWindows && !due) {
      if (this.pendingCount > 0) this.sendPending();
      return undefined;
    }
    return this.background(() => this.checkpoint(closedWindows ? 'idle' : 'interval'));
  }

  // The group starts rebalancing: stop processing and checkpoint what we own, so the next owner of a
  // partition we lose starts from where we stopped. Processing resumes with assignmentChanged().
  rebalanceStarted(): void {
    if (this.gate !== null || this.closed) return;
    let open = () => {};
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.gate = { promise, open };
    this.background(() => this.checkpoint('rebalance'));
  }

  // The partitions this member owns from now on. `fresh`: the member may have missed generations (its
  // membership was lost and re-created), so even partitions it still holds may have been processed by
  // someone else meanwhile: all state is dropped and restored from the stored snapshots.
  assignmentChanged(partitions: readonly number[], fresh: boolean): number[] {
    const next = new Set(partitions);
    const dropped: number[] = [];
    for (const p of [...this.processors.keys()]) {
      if (fresh || !next.has(p)) {
        this.drop(p);
        dropped.push(p);
      }
    }
    this.assigned = next;
    for (const p of next) this.everOwned.add(p);
    const gate = this.gate;
    this.gate = null;
    gate?.open();
    return dropped;
  }

  // Final checkpoint, then every open window (partial) to bank_metrics. The snapshot is taken before the
  // flush, so the next owner continues those windows and later re-sends them complete under the same key.
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const gate = this.gate;
    this.gate = null;
    gate?.open();
    await this.exclusive(async () => {
      this.throwIfFailed();
      await this.checkpoint('shutdown');
      for (const [p, proc] of this.processors) {
        this.enqueueWindows(p, proc.flush());
      }
      this.sendPending();
      await this.drain();
    });
  }

  // Shutting down: records handed over from now on are ignored (they stay uncommitted for the next
  // owner), and a rebalance wait ends.
  stopAccepting(): void {
    this.accepting = false;
    const gate = this.gate;
    this.gate = null;
    gate?.open();
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  // Rethrows a failure of background work (a send, a timer checkpoint) so the loop stops on it.
  throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  stats(): RunnerStats {
    const quality = emptyQuality();
    let suppressed = this.suppressedDropped;
    for (const [p, proc] of this.processors) {
      addQuality(quality, proc.qualityTotals());
      suppressed += proc.stats().suppressed - (this.suppressedBase.get(p) ?? 0);
    }
    return {
      ...this.counters,
      suppressed,
      firstRecordMs: this.firstRecordMs,
      lastRecordMs: this.latestRecordMs,
      dlqByReason: { ...this.dlqByReason },
      owned: [...this.processors.keys()].sort((a, b) => a - b),
      everOwned: [...this.everOwned].sort((a, b) => a - b),
      quality,
      qualitySummary: summarizeQuality(quality),
    };
  }

  private async handleLater(record: InputRecord): Promise<void> {
    for (;;) {
      this.throwIfFailed();
      const wait = this.lock ?? this.gate?.promise;
      if (wait === undefined) break;
      await wait;
    }
    const next = this.handle(record);
    if (next !== undefined) await next;
  }

  // Runs fn once no other exclusive work runs; handle() waits while it does.
  private async exclusive(fn: () => Promise<void>): Promise<void> {
    while (this.lock !== null) await this.lock;
    const run = fn();
    const lock = run.then(
      () => undefined,
      () => undefined,
    );
    this.lock = lock;
    try {
      await run;
    } finally {
      if (this.lock === lock) this.lock = null;
    }
  }

  // Exclusive work nobody awaits (timer, rebalance): its failure stops the loop at the next record.
  private background(fn: () => Promise<void>): Promise<void> {
    const run = this.exclusive(fn);
    run.catch((err: unknown) => {
      this.failure ??= err;
    });
    return run;
  }

  private async start(p: number): Promise<void> {
    if (this.processors.has(p) || (this.assigned !== null && !this.assigned.has(p))) return;
    const stored = await this.ports.loadSnapshot(p);
    const ids = await this.ports.emittedAlertIds(p, stored?.alertsFrom ?? null);
    // The assignment may have changed while we were reading.
    if (this.assigned !== null && !this.assigned.has(p)) return;
    const proc = new PartitionProcessor(p, this.options.config);
    if (stored !== null) {
      try {
        proc.restore(stored.snapshot, { emittedAlertIds: ids });
      } catch (err) {
        // What to do about it depends on the cause (failures.ts): a mismatch or a broken snapshot.
        throw new Error(`cannot restore partition ${p} from its snapshot at offset ${stored.snapshot.nextOffset}: ${(err as Error).message}`, { cause: err });
      }
      this.expecting.set(p, { offset: proc.nextOffset, sinceMs: null });
      this.counters.restores++;
    } else {
      // No snapshot: nothing was checkpointed, but alerts may have been produced before a crash.
      if (ids.length > 0) proc.restore(proc.snapshot(), { emittedAlertIds: ids });
      this.counters.freshStarts++;
    }
    this.processors.set(p, proc);
    this.suppressedBase.set(p, proc.stats().suppressed);
    this.checkpointed.set(p, proc.nextOffset);
    this.everOwned.add(p);
    this.options.logger.info(
      { event: 'partition-start', partition: p, nextOffset: String(proc.nextOffset), fromSnapshot: stored !== null, alreadyEmitted: ids.length },
      `partition ${p}: ${stored !== null ? `restored at offset ${proc.nextOffset}` : 'fresh start'}, ${ids.length} alert(s) already emitted`,
    );
  }

  // The first records after a restore must start at the snapshot's nextOffset. Earlier ones are fine (the
  // processor skips them); a later one means the fetch position is past the state (a commit that got
  // ahead of the snapshots), and applying it would silently lose the records in between.
  private acceptAfterRestore(p: number, offset: bigint): boolean {
    const seeking = this.expecting.get(p) as Seeking;
    if (offset <= seeking.offset) {
      if (offset === seeking.offset) this.expecting.delete(p);
      return true;
    }
    const now = this.now();
    if (seeking.sinceMs === null) {
      seeking.sinceMs = now;
      this.options.logger.warn({ event: 'seek', partition: p, from: String(offset), to: String(seeking.offset) }, `partition ${p}: fetched from ${offset}, state is at ${seeking.offset}; seeking back`);
    }
    if (this.ports.seek !== undefined && now - seeking.sinceMs < SEEK_PATIENCE_MS) {
      this.counters.reseeks++;
      this.ports.seek(p, seeking.offset);
      return false;
    }
    this.options.logger.error(
      { event: 'gap', partition: p, expected: String(seeking.offset), got: String(offset) },
      `partition ${p}: records ${seeking.offset}..${offset - 1n} cannot be read; continuing without them`,
    );
    this.expecting.delete(p);
    return true;
  }

  private drop(p: number): void {
    const proc = this.processors.get(p);
    if (proc !== undefined) this.suppressedDropped += proc.stats().suppressed - (this.suppressedBase.get(p) ?? 0);
    this.suppressedBase.delete(p);
    this.processors.delete(p);
    this.checkpointed.delete(p);
    this.lastRecordWallMs.delete(p);
    this.idleClosed.delete(p);
    this.expecting.delete(p);
  }

  private enqueue(r: OutputRecord): void {
    let bytes = RECORD_OVERHEAD_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    for (const k in r.headers) bytes += k.length + (r.headers[k]?.length ?? 0);
    if (this.pendingBytes + bytes > this.options.maxBatchBytes) this.sendPending();
    this.pending.push(r);
    this.added(bytes);
  }

  private enqueueWindows(p: number, windows: readonly WindowAggregate[]): void {
    let list = this.pendingWindows.get(p);
    if (list === undefined) {
      list = new WindowArray();
      this.pendingWindows.set(p, list);
    }
    for (const w of windows) {
      let bytes = this.addWindow(list, w);
      if (this.pendingBytes + bytes > this.options.maxBatchBytes && this.pendingCount > 0) {
        list.removeLast();
        this.sendPending();
        bytes = this.addWindow(list, w);
      }
      this.added(bytes);
    }
  }

  // Adds w to the partition's array; returns the bytes it adds to the send. The metrics record's own
  // bytes count with its first window.
  private addWindow(list: WindowArray, w: WindowAggregate): number {
    const opens = list.count === 0;
    const before = list.byteLength;
    list.add(w);
    return list.byteLength - before + (opens ? this.metricsRecordBytes : 0);
  }

  private added(bytes: number): void {
    this.pendingBytes += bytes;
    this.pendingCount++;
    if (this.pendingCount >= this.options.maxBatchRecords) this.sendPending();
  }

  private sendPending(): void {
    if (this.pendingCount === 0) return;
    const batch = this.pending;
    for (const [p, list] of this.pendingWindows) if (list.count > 0) batch.push(metricsRecord(list, p, this.options.group));
    this.pending = [];
    this.pendingCount = 0;
    this.pendingBytes = 0;
    const sent = this.ports.send(batch).then(
      () => this.acknowledged(batch),
      (err: unknown) => {
        this.failure ??= err;
      },
    );
    const tracked = sent.finally(() => {
      this.inFlight.delete(tracked);
      if (this.sendWhenAcknowledged && this.inFlight.size === 0) {
        this.sendWhenAcknowledged = false;
        if (this.lock === null) this.sendPending();
      }
    });
    this.inFlight.add(tracked);
  }

  private acknowledged(batch: readonly OutputRecord[]): void {
    for (const r of batch) {
      if (r.kind === 'alert') this.counters.alerts++;
      else if (r.kind === 'metrics') this.counters.metricsWindows += r.windows ?? 0;
    }
    this.options.local?.acknowledged(batch);
  }

  private async waitForRoom(): Promise<void> {
    while (this.inFlight.size >= this.options.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  private async drain(): Promise<void> {
    this.sendPending();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  // Invariant 1. Runs exclusively: no record is processed until it returns.
  private async checkpoint(reason: string): Promise<void> {
    await this.drain();
    this.sinceCheckpoint = 0;
    this.lastCheckpointMs = this.now();
    const dirty = [...this.processors].filter(([p, proc]) => proc.nextOffset !== this.checkpointed.get(p));
    if (dirty.length === 0) return;
    const ends = await this.ports.alertsEnd(dirty.map(([p]) => p));
    // A partition dropped while we waited is someone else's now: its state must not be stored.
    const stored: StoredSnapshot[] = [];
    for (const [p, proc] of dirty) {
      if (this.processors.get(p) !== proc) continue;
      stored.push({ partition: p, snapshot: proc.snapshot(), alertsFrom: ends.get(p) ?? null });
    }
    if (stored.length === 0) return;
    await this.ports.saveSnapshots(stored);
    this.counters.snapshotsStored += stored.length;
    const commits: CommitOffset[] = [];
    for (const s of stored) {
      const offset = BigInt(s.snapshot.nextOffset);
      if (this.processors.has(s.partition)) {
        this.checkpointed.set(s.partition, offset);
        commits.push({ partition: s.partition, offset });
      }
    }
    if (commits.length > 0) await this.ports.commit(commits);
    this.counters.checkpoints++;
    this.options.logger.debug({ event: 'checkpoint', reason, offsets: Object.fromEntries(commits.map((c) => [c.partition, String(c.offset)])) }, 'checkpoint');
  }
}
