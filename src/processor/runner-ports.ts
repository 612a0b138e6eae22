// What the StreamRunner needs from the outside world: src/processor/kafka-io.ts implements it with
// @platformatic/kafka, the processing thread (runner-worker.ts) as calls to the Kafka thread, the tests in
// memory. Every promise resolves once the broker acknowledged.
import type { OutputRecord } from './sinks.ts';
import type { PartitionSnapshot } from './state.ts';

// The topics whose records have ids a restart must not publish twice (alerts, notifications, case
// updates), and, per
// topic, an offset in the source partition's partition of it. A topic left out: unknown (a read-back
// then starts at the log start).
export const KEYED_OUTPUTS = ['alerts', 'notifications', 'cases'] as const;
export type KeyedOutput = (typeof KEYED_OUTPUTS)[number];
export type OutputOffsets = Partial<Record<KeyedOutput, bigint>>;

// A partition's latest snapshot, as a restore finds it.
export interface StoredSnapshot {
  partition: number;
  snapshot: PartitionSnapshot;
  // Where, in each keyed output topic, the records produced after this snapshot are found.
  outputsFrom: OutputOffsets;
  deltas: number; // delta checkpoints applied on the full snapshot (snapshot-chain.ts)
  // Why the chain ended before its last delta (a delta missing or unreadable): the state is that of the
  // checkpoint before it, older than the committed offset, and the partition is processed again from there.
  chainProblem: string | null;
}

// A snapshot to store: its encodeSnapshot() bytes, encoded where it is taken (the processing thread), so
// that bytes, not a copy of every account's state, cross to the Kafka thread.
export interface SnapshotRecord {
  partition: number;
  nextOffset: string; // the snapshot's nextOffset
  value: Uint8Array;
  outputsFrom: OutputOffsets; // as in StoredSnapshot
  // Its place in a chain: seq 0 is a full snapshot, whose baseOffset is its own nextOffset; seq n > 0 is
  // the nth delta after the full snapshot at baseOffset.
  seq: number;
  baseOffset: string;
}

export interface CommitOffset {
  partition: number;
  offset: bigint;
}

export interface RunnerPorts {
  send(records: OutputRecord[]): Promise<void>;
  loadSnapshot(partition: number): Promise<StoredSnapshot | null>;
  // Ids of this group's alerts, notifications and case updates for `partition` found in their topics from
  // `from` on, made by source records at or after `fromSourceOffset` (those without a source-offset
  // header count: written before it existed).
  emittedIds(partition: number, from: OutputOffsets, fromSourceOffset: bigint): Promise<string[]>;
  // Current end offsets of each partition's partitions of the keyed output topics.
  outputEnds(partitions: readonly number[]): Promise<Map<number, OutputOffsets>>;
  saveSnapshots(snapshots: readonly SnapshotRecord[]): Promise<void>;
  commit(offsets: readonly CommitOffset[]): Promise<void>;
  // Make the next fetch of `partition` start at `offset`. Optional: without it a gap is only reported.
  seek?(partition: number, offset: bigint): void;
  // Those of `partitions` whose records are not all fetched yet (the fetch position is behind the log
  // end). Optional: without it a partition without records for idleShowMs is taken to be idle.
  backlogged?(partitions: readonly number[]): Promise<number[]>;
}
