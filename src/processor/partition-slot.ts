// One partition the runner owns: its PartitionProcessor and what the runner tracks beside it for the
// checkpoint protocol (checkpoints.ts) and the idle timer.
import type { PartitionProcessor } from './partition-processor.ts';
import type { OutputOffsets } from './runner-ports.ts';

// After a restore the first record must be at the snapshot's nextOffset (see Checkpoints.admitAfterRestore).
export interface Seeking {
  offset: bigint;
  sinceMs: number | null; // set when the first record past the gap was dropped
}

// What a processor counts that RunnerStats reports, as counted since this runner started the partition.
export interface PartitionCounts {
  processed: number;
  valid: number;
  dlq: number;
  dlqByReason: Record<string, number>;
  skipped: number;
  suppressed: number;
}

export function emptyCounts(): PartitionCounts {
  return { processed: 0, valid: 0, dlq: 0, dlqByReason: {}, skipped: 0, suppressed: 0 };
}

// The chain of checkpoints this slot writes (docs/processor.md, "Delta checkpoints").
export interface CheckpointChain {
  baseOffset: string; // nextOffset of its full snapshot
  seq: number; // deltas taken after it
  lastOffset: string; // nextOffset of the latest checkpoint taken
  fullBytes: number; // the full snapshot's stored size
  deltaBytes: number; // its deltas' stored sizes, summed
}

export class PartitionSlot {
  readonly partition: number;
  readonly processor: PartitionProcessor;
  checkpointedOffset: bigint; // nextOffset of the last stored snapshot (or of the restore)
  lastRecordWallMs: number | null = null;
  idleShown = false; // its windows were shown by the idle timer since its latest record
  seeking: Seeking | null;
  // Null until this slot's first checkpoint, always a full snapshot: a restored state goes on from there
  // rather than from the chain it came from.
  chain: CheckpointChain | null = null;
  // Where the restore read back the alerts, notifications and cases already published (a topic left out:
  // from the log start). Until the
  // processor has recomputed all of them, some belong to records after any snapshot it takes now, and
  // lie before the alerts topic's current end: such a snapshot must point the next restore here.
  readonly readBackFrom: OutputOffsets;
  // The processor's own counters are restored with its snapshot: the runner reports what they grew by here.
  private readonly base: PartitionCounts;

  constructor(processor: PartitionProcessor, restored: boolean, readBackFrom: OutputOffsets = {}) {
    this.partition = processor.partition;
    this.processor = processor;
    this.readBackFrom = readBackFrom;
    this.checkpointedOffset = processor.nextOffset;
    this.seeking = restored ? { offset: processor.nextOffset, sinceMs: null } : null;
    this.base = countsOf(processor);
  }

  // Processed past the last stored snapshot.
  get dirty(): boolean {
    return this.processor.nextOffset !== this.checkpointedOffset;
  }

  idleAt(nowMs: number, idleShowMs: number): boolean {
    return this.lastRecordWallMs !== null && !this.idleShown && nowMs - this.lastRecordWallMs >= idleShowMs;
  }

  addCountsTo(totals: PartitionCounts): void {
    const now = countsOf(this.processor);
    totals.processed += now.processed - this.base.processed;
    totals.valid += now.valid - this.base.valid;
    totals.dlq += now.dlq - this.base.dlq;
    totals.skipped += now.skipped - this.base.skipped;
    totals.suppressed += now.suppressed - this.base.suppressed;
    for (const reason in now.dlqByReason) {
      const grown = (now.dlqByReason[reason] ?? 0) - (this.base.dlqByReason[reason] ?? 0);
      if (grown > 0) totals.dlqByReason[reason] = (totals.dlqByReason[reason] ?? 0) + grown;
    }
  }
}

function countsOf(processor: PartitionProcessor): PartitionCounts {
  const { processed, valid, dlq, dlqByReason, skipped, suppressed } = processor.stats();
  return { processed, valid, dlq, dlqByReason, skipped, suppressed };
}
