// What the StreamRunner needs from the outside world: src/processor/kafka-io.ts implements it with
// @platformatic/kafka, the processing thread (runner-worker.ts) as calls to the Kafka thread, the tests in
// memory. Every promise resolves once the broker acknowledged.
import type { OutputRecord } from './sinks.ts';
import type { PartitionSnapshot } from './state.ts';

// A partition's latest snapshot, as a restore finds it.
export interface StoredSnapshot {
  partition: number;
  snapshot: PartitionSnapshot;
  // Offset in the source partition's alerts partition from which alerts produced after this snapshot are
  // found; null when unknown (then the read-back starts at the log start).
  alertsFrom: bigint | null;
}

// A snapshot to store: its encodeSnapshot() bytes, encoded where it is taken (the processing thread), so
// that bytes, not a copy of every account's state, cross to the Kafka thread.
export interface SnapshotRecord {
  partition: number;
  nextOffset: string; // the snapshot's nextOffset
  value: Uint8Array;
  alertsFrom: bigint | null; // as in StoredSnapshot
}

export interface CommitOffset {
  partition: number;
  offset: bigint;
}

export interface RunnerPorts {
  send(records: OutputRecord[]): Promise<void>;
  loadSnapshot(partition: number): Promise<StoredSnapshot | null>;
  // Ids of this group's alerts for `partition` found in the alerts topic from `from` (null: log start) on.
  emittedAlertIds(partition: number, from: bigint | null): Promise<string[]>;
  // Current end offset of each partition's alerts partition.
  alertsEnd(partitions: readonly number[]): Promise<Map<number, bigint>>;
  saveSnapshots(snapshots: readonly SnapshotRecord[]): Promise<void>;
  commit(offsets: readonly CommitOffset[]): Promise<void>;
  // Make the next fetch of `partition` start at `offset`. Optional: without it a gap is only reported.
  seek?(partition: number, offset: bigint): void;
}
