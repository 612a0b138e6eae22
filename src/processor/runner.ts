// The consume loop's brain, without Kafka: which partition gets a record, when it may run, and when the
// checkpoint protocol runs. src/processor/consumer.ts feeds it records from a consumer group (through the
// processing thread, runner-thread.ts) and implements RunnerPorts with @platformatic/kafka; the tests
// implement RunnerPorts in memory and crash it at will.
//
// The parts: one PartitionSlot per owned partition (partition-slot.ts), the OutputBatcher that sends the
// outputs (output-batcher.ts), the checkpoint protocol and the restore (checkpoints.ts, where its
// invariants are), and the Admission that says whether a record may run now (admission.ts). On top of
// the checkpoint protocol's invariants the runner keeps one more: nothing is processed between a
// rebalance starting and the new assignment arriving.
import type { Logger } from 'pino';
import { Admission } from './admission.ts';
import { Checkpoints, type CheckpointReason } from './checkpoints.ts';
import type { ProcessorConfig } from './config.ts';
import { OutputBatcher } from './output-batcher.ts';
import type { InputRecord } from './partition-processor.ts';
import { emptyCounts, type PartitionCounts, type PartitionSlot } from './partition-slot.ts';
import { addQuality, emptyQuality, summarizeQuality, type QualityCounters, type QualityKey, type RuleQualitySummary } from './quality.ts';
import type { RunnerPorts } from './runner-ports.ts';
import { alertRecord, caseRecord, detectionRecord, dlqRecord, type LocalSinks } from './sinks.ts';

export interface RunnerOptions {
  config: ProcessorConfig;
  group: string;
  checkpointIntervalMs: number; // wall time between checkpoints while records flow
  checkpointRecords: number; // or after this many records, whichever comes first
  maxBatchRecords: number; // output records per send
  maxBatchBytes: number; // or this many key + value + header bytes: one send must stay under the broker's message size limit
  maxInFlight: number; // sends awaiting acknowledgement before the loop waits
  idleShowMs: number; // wall time without records after which a partition's open windows are shown as they stand
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
  notifications: number; // customer notifications acknowledged by the broker
  cases: number; // case publications acknowledged by the broker
  suppressed: number; // alerts and notifications recomputed after a restore but already in the alerts topic
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

// Before the first report: nothing processed, nothing owned.
export function emptyRunnerStats(): RunnerStats {
  return {
    processed: 0, valid: 0, dlq: 0, dlqByReason: {}, skipped: 0, foreign: 0, reseeks: 0, alerts: 0, notifications: 0, cases: 0, suppressed: 0, metricsWindows: 0, checkpoints: 0,
    snapshotsStored: 0, firstRecordMs: null, lastRecordMs: null, restores: 0, freshStarts: 0, owned: [], everOwned: [], quality: emptyQuality(), qualitySummary: summarizeQuality(emptyQuality()),
  };
}

export class StreamRunner {
  private readonly group: string;
  private readonly idleShowMs: number;
  private readonly now: () => number;
  private readonly admission = new Admission();
  private readonly slots = new Map<number, PartitionSlot>();
  private readonly outputs: OutputBatcher;
  private readonly checkpoints: Checkpoints;
  private readonly everOwned = new Set<number>();
  private assigned: Set<number> | null = null; // null: every partition (no group, e.g. tests)
  private closed = false;
  // The counts come from the partitions' processors (PartitionSlot.addCountsTo); these are what dropped
  // partitions had counted here, and what only the runner sees.
  private readonly dropped: PartitionCounts = emptyCounts();
  private foreign = 0;
  private firstRecordMs: number | null = null;
  private latestRecordMs: number | null = null;
  private readonly backlogged: ((partitions: readonly number[]) => Promise<number[]>) | null;
  private checkingIdle = false;

  constructor(ports: RunnerPorts, options: RunnerOptions) {
    this.group = options.group;
    this.backlogged = ports.backlogged?.bind(ports) ?? null;
    this.idleShowMs = options.idleShowMs;
    this.now = options.now ?? Date.now;
    this.outputs = new OutputBatcher({
      group: options.group,
      maxBatchRecords: options.maxBatchRecords,
      maxBatchBytes: options.maxBatchBytes,
      maxInFlight: options.maxInFlight,
      send: (records) => ports.send(records),
      local: options.local,
      onFailure: (err) => this.admission.fail(err),
      held: () => this.admission.busy,
    });
    this.checkpoints = new Checkpoints(ports, this.slots, this.outputs, {
      config: options.config,
      checkpointIntervalMs: options.checkpointIntervalMs,
      checkpointRecords: options.checkpointRecords,
      logger: options.logger,
      now: this.now,
      onFailure: (err) => this.admission.fail(err),
    });
  }

  // Feeds one record. Returns undefined when it was handled synchronously (the common case), else a
  // promise the caller must await before handing over the next record.
  handle(record: InputRecord): Promise<void> | undefined {
    if (!this.admission.open) return this.later(record);
    const p = record.partition;
    if (this.assigned !== null && !this.assigned.has(p)) {
      this.foreign++;
      return undefined;
    }
    const slot = this.slots.get(p);
    if (slot === undefined) return this.admission.exclusive(() => this.start(p)).then(() => this.handle(record));
    if (slot.seeking !== null && !this.checkpoints.admitAfterRestore(slot, BigInt(record.offset))) return undefined;

    const res = slot.processor.process(record);
    if (res.skipped) return undefined;
    for (const alert of res.alerts) this.outputs.add(alertRecord(alert, this.group));
    for (const n of res.notifications) this.outputs.add(alertRecord(n, this.group, 'notification'));
    for (const c of res.cases) this.outputs.add(caseRecord(c, this.group, record.offset));
    if (res.dlq !== null) this.outputs.add(dlqRecord(res.dlq, p, this.group));
    if (res.metrics.length > 0) this.outputs.addWindows(p, res.metrics);
    if (res.detection !== null) this.outputs.add(detectionRecord(res.detection, this.group));
    slot.idleShown = false;
    const now = this.now();
    slot.lastRecordWallMs = now;
    this.firstRecordMs ??= now;
    this.latestRecordMs = now;
    const due = this.checkpoints.applied(now);
    if (due !== null) return this.admission.exclusive(() => this.checkpoints.run(due));
    if (this.outputs.full) return this.admission.exclusive(() => this.outputs.waitForRoom());
    return undefined;
  }

  // The source has nothing buffered right now (see OutputBatcher.caughtUp).
  caughtUp(): void {
    if (!this.admission.busy) this.outputs.caughtUp();
  }

  // Periodic work while the source may be idle: idle partitions' windows shown, time-based checkpoints.
  // Returns the work's promise (also recorded as a failure for the loop) or undefined if nothing to do.
  //
  // A partition without records for idleShowMs may not be idle at all: with a backlog, a fetch response
  // can fill up with other partitions' records for a while. Showing its windows then would cost an idle
  // checkpoint, which holds processing until its snapshots are stored, for nothing. So when the ports can
  // tell, such a partition counts as idle only if its records are all fetched.
  tick(): Promise<void> | undefined {
    if (!this.admission.idle || this.closed || this.checkingIdle) return undefined;
    const now = this.now();
    const idle = [...this.slots.values()].filter((slot) => slot.idleAt(now, this.idleShowMs));
    if (idle.length === 0 || this.backlogged === null) return this.showIdle(idle);
    this.checkingIdle = true;
    return this.backlogged(idle.map((slot) => slot.partition)).then(
      (behind) => {
        this.checkingIdle = false;
        return this.showIdle(idle.filter((slot) => !behind.includes(slot.partition)));
      },
      // Only a hint: without it the partitions are taken to be idle, as without the port. A broker that
      // cannot answer fails the sends and commits that matter.
      () => {
        this.checkingIdle = false;
        return this.showIdle(idle);
      },
    );
  }

  // Shows the windows of those of `idle` still idle and still ours, then checkpoints (a partition gone
  // quiet gets its offset committed now rather than at the next interval); or checkpoints if one is
  // due, or sends what is pending.
  private showIdle(idle: readonly PartitionSlot[]): Promise<void> | undefined {
    if (!this.admission.idle || this.closed) return undefined;
    const now = this.now();
    let shown = false;
    for (const slot of idle) {
      if (this.slots.get(slot.partition) !== slot || !slot.idleAt(now, this.idleShowMs)) continue;
      slot.idleShown = true;
      const windows = slot.processor.idleWindows();
      if (windows.length > 0) {
        this.outputs.addWindows(slot.partition, windows);
        shown = true;
      }
      const facts = slot.processor.detectionSummary();
      if (facts !== null) this.outputs.add(detectionRecord(facts, this.group));
    }
    if (!shown && !this.checkpoints.dueAt(now)) {
      this.outputs.sendPending();
      return undefined;
    }
    return this.background(shown ? 'idle' : 'interval');
  }

  // The group starts rebalancing: stop processing and checkpoint what we own, so the next owner of a
  // partition we lose starts from where we stopped. Processing resumes with assignmentChanged().
  rebalanceStarted(): void {
    if (this.admission.paused || this.closed) return;
    this.admission.pauseUntilResumed();
    void this.background('rebalance');
  }

  // The partitions this member owns from now on. `fresh`: the member may have missed generations (its
  // membership was lost and re-created), so even partitions it still holds may have been processed by
  // someone else meanwhile: all state is dropped and restored from the stored snapshots.
  assignmentChanged(partitions: readonly number[], fresh: boolean): number[] {
    const next = new Set(partitions);
    const dropped: number[] = [];
    for (const p of [...this.slots.keys()]) {
      if (fresh || !next.has(p)) {
        this.drop(p);
        dropped.push(p);
      }
    }
    this.assigned = next;
    for (const p of next) this.everOwned.add(p);
    this.admission.resume();
    return dropped;
  }

  // Final checkpoint, then every open window (partial) to bank_metrics. The snapshot is taken before the
  // flush, so the next owner continues those windows and later re-sends them complete under the same key.
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.admission.resume();
    await this.admission.exclusive(async () => {
      await this.checkpoints.run('shutdown');
      for (const [p, slot] of this.slots) {
        this.outputs.addWindows(p, slot.processor.flush());
        const facts = slot.processor.detectionSummary();
        if (facts !== null) this.outputs.add(detectionRecord(facts, this.group));
      }
      await this.outputs.drain();
    });
  }

  // Shutting down: records handed over from now on are ignored (they stay uncommitted for the next
  // owner), and a rebalance wait ends.
  stopAccepting(): void {
    this.admission.stop();
  }

  get failed(): boolean {
    return this.admission.failed;
  }

  // Rethrows a failure of background work (a send, a timer checkpoint) so the loop stops on it.
  throwIfFailed(): void {
    this.admission.throwIfFailed();
  }

  stats(): RunnerStats {
    const counts: PartitionCounts = { ...this.dropped, dlqByReason: { ...this.dropped.dlqByReason } };
    const quality = emptyQuality();
    for (const slot of this.slots.values()) {
      slot.addCountsTo(counts);
      addQuality(quality, slot.processor.qualityTotals());
    }
    const cp = this.checkpoints.counts;
    return {
      processed: counts.processed,
      valid: counts.valid,
      dlq: counts.dlq,
      dlqByReason: counts.dlqByReason,
      skipped: counts.skipped,
      foreign: this.foreign,
      reseeks: cp.reseeks,
      alerts: this.outputs.acknowledgedAlerts,
      notifications: this.outputs.acknowledgedNotifications,
      cases: this.outputs.acknowledgedCases,
      suppressed: counts.suppressed,
      metricsWindows: this.outputs.acknowledgedWindows,
      checkpoints: cp.checkpoints,
      snapshotsStored: cp.snapshotsStored,
      firstRecordMs: this.firstRecordMs,
      lastRecordMs: this.latestRecordMs,
      restores: cp.restores,
      freshStarts: cp.freshStarts,
      owned: [...this.slots.keys()].sort((a, b) => a - b),
      everOwned: [...this.everOwned].sort((a, b) => a - b),
      quality,
      qualitySummary: summarizeQuality(quality),
    };
  }

  // A record that may not run now: dropped when shutting down, else handled once it may.
  private later(record: InputRecord): Promise<void> | undefined {
    if (this.admission.stopped) return undefined;
    return this.admission.turn().then(() => this.handle(record));
  }

  private background(reason: CheckpointReason): Promise<void> {
    return this.admission.background(() => this.checkpoints.run(reason));
  }

  private readonly owns = (p: number): boolean => this.assigned === null || this.assigned.has(p);

  private async start(p: number): Promise<void> {
    if (this.slots.has(p) || !this.owns(p)) return;
    const slot = await this.checkpoints.restore(p, this.owns);
    if (slot === null) return;
    this.slots.set(p, slot);
    this.everOwned.add(p);
  }

  private drop(p: number): void {
    this.slots.get(p)?.addCountsTo(this.dropped);
    this.slots.delete(p);
  }
}
