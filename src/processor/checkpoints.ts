// The checkpoint protocol that makes a restart reproduce exactly the alerts of an uninterrupted run, and
// the restore that starts a partition from its latest checkpoint. docs/processor.md explains why the
// invariants are enough:
// 1. A snapshot is stored only after every output of the records it covers is acknowledged, and the
//    consumer offset is committed only after the snapshot is stored. The snapshot is taken as the
//    runner's exclusive work, so it covers exactly the records whose outputs were handed to the
//    OutputBatcher before it (OutputBatcher.acknowledgedSoFar waits for those).
// 2. With every snapshot go end offsets of the partition's alerts, notifications and cases partitions
//    read before the snapshot was taken: everything produced for a later record lies at or after them.
//    A restore reads from there the outputs of records at or after the snapshot's nextOffset (their
//    source-offset header; those of earlier records may lie there too, unacknowledged when the ends were
//    read) and hands their ids to PartitionProcessor.restore, which recomputes those without returning
//    them. Until it has recomputed them all, the ones left were published (by the previous
//    owner) for records after the snapshots taken meanwhile, before those ends: such a snapshot goes with
//    the offsets the restore read from instead, or a second restart would publish them again.
// 3. A partition is restored from its latest snapshot before its first record is processed, and records
//    are only applied from snapshot.nextOffset on (below: skipped; above: the loop seeks back).
// 4. Partitions dropped (revoked, or possibly owned by someone else meanwhile) are never checkpointed
//    again. The runner drops them from the slots; a checkpoint under way skips them.
//
// Processing waits only while a checkpoint takes its snapshots, not for acknowledgements or the broker's
// end offsets: those are read ahead, right after the previous checkpoint took its own (any ends read
// before a snapshot is taken will do, by 2.), and the snapshot's outputs are waited for while it is
// encoded. Only when the ends read ahead are not there yet (the first checkpoint, a new partition, a slow
// broker) does processing wait for them.
//
// A checkpoint's cost grows with the state: a partition of a few hundred thousand accounts takes a
// hundred ms and more to encode. So for the periodic checkpoints ('interval', 'records') only the part up
// to taking the snapshots is exclusive: what a snapshot holds is never changed afterwards
// (PartitionProcessor.snapshot), so it is encoded, stored and its offset committed while records are
// processed again, and the next checkpoint waits for that. The others (idle, rebalance, shutdown) wait
// for their store. And the interval stretches with the cost: the next 'interval' checkpoint starts no
// sooner than STORE_SHARE_INVERSE times the time the previous one's encoding held the processing thread
// after that one started, so encoding takes about 1/STORE_SHARE_INVERSE of the processing thread at most
// however large the state (checkpointRecords still bounds the records a restart replays). Waiting for
// acknowledgements costs the thread nothing and does not count.
import type { Logger } from 'pino';
import type { ProcessorConfig } from './config.ts';
import type { OutputBatcher } from './output-batcher.ts';
import { PartitionProcessor } from './partition-processor.ts';
import { PartitionSlot } from './partition-slot.ts';
import type { CommitOffset, OutputOffsets, RunnerPorts } from './runner-ports.ts';
import { encodeSnapshot, type DeltaSnapshot, type PartitionSnapshot } from './state.ts';

// After a seek, records after the gap keep arriving from fetches already under way. They are dropped
// (and the seek repeated) for this long; then the gap is accepted as data that no longer exists, e.g.
// removed by retention.
const SEEK_PATIENCE_MS = 10_000;

const STORE_SHARE_INVERSE = 4;

// A chain is at most this many deltas long, and ends once its deltas add up to the size of its full
// snapshot: a restore then reads at most about twice a full snapshot's bytes. A delta that would carry
// half the accounts or more costs about what a full snapshot does, and a full one is written instead.
const MAX_DELTAS = 64;

// The slot's next checkpoint: a delta when the chain allows one, else a full snapshot that starts a new chain.
function takeCheckpoint(slot: PartitionSlot): PartitionSnapshot | DeltaSnapshot {
  const chain = slot.chain;
  const { changed, accounts } = slot.processor.checkpointSize();
  const delta = chain !== null && changed !== null && chain.seq < MAX_DELTAS && chain.deltaBytes < chain.fullBytes && changed * 2 < accounts;
  if (!delta) {
    const full = slot.processor.takeCheckpoint(null);
    slot.chain = { baseOffset: full.nextOffset, seq: 0, lastOffset: full.nextOffset, fullBytes: Number.POSITIVE_INFINITY, deltaBytes: 0 };
    return full;
  }
  chain.seq++;
  const d = slot.processor.takeCheckpoint({ baseOffset: chain.baseOffset, previousOffset: chain.lastOffset, seq: chain.seq });
  chain.lastOffset = d.nextOffset;
  return d;
}

export type CheckpointReason = 'interval' | 'records' | 'idle' | 'rebalance' | 'shutdown';

export interface CheckpointOptions {
  config: ProcessorConfig;
  checkpointIntervalMs: number; // wall time between checkpoints while records flow
  checkpointRecords: number; // or after this many records, whichever comes first
  logger: Logger;
  now: () => number;
  onFailure: (err: unknown) => void; // a store under way in the background failed
}

export class Checkpoints {
  readonly counts = { checkpoints: 0, snapshotsStored: 0, restores: 0, freshStarts: 0, reseeks: 0 };
  private readonly ports: RunnerPorts;
  private readonly slots: ReadonlyMap<number, PartitionSlot>;
  private readonly outputs: OutputBatcher;
  private readonly config: ProcessorConfig;
  private readonly intervalMs: number;
  private readonly everyRecords: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private sinceLast = 0; // records applied since the latest checkpoint
  private lastMs: number;
  private gapMs = 0; // STORE_SHARE_INVERSE x the time the latest checkpoint's encoding held the processing thread
  private storing: Promise<void> | null = null; // a periodic checkpoint's store under way
  private endsAhead: Map<number, OutputOffsets> | null = null; // output ends read after the latest snapshots were taken
  private readonly onFailure: (err: unknown) => void;

  constructor(ports: RunnerPorts, slots: ReadonlyMap<number, PartitionSlot>, outputs: OutputBatcher, options: CheckpointOptions) {
    this.ports = ports;
    this.slots = slots;
    this.outputs = outputs;
    this.config = options.config;
    this.intervalMs = options.checkpointIntervalMs;
    this.everyRecords = options.checkpointRecords;
    this.logger = options.logger;
    this.now = options.now;
    this.onFailure = options.onFailure;
    this.lastMs = this.now();
  }

  // A record was applied at nowMs: is a checkpoint due?
  applied(nowMs: number): CheckpointReason | null {
    this.sinceLast++;
    if (this.storing !== null) return null;
    if (nowMs - this.lastMs >= Math.max(this.intervalMs, this.gapMs)) return 'interval';
    if (this.sinceLast >= this.everyRecords) return 'records';
    return null;
  }

  // For the timer: records were applied and the interval is over.
  dueAt(nowMs: number): boolean {
    return this.sinceLast > 0 && this.storing === null && nowMs - this.lastMs >= Math.max(this.intervalMs, this.gapMs);
  }

  // Invariants 1 and 2. The caller runs it exclusively: no record is processed until it returns, which
  // for the periodic reasons is once the snapshots are taken.
  async run(reason: CheckpointReason): Promise<void> {
    await this.storing;
    const startedMs = performance.now();
    const periodic = reason === 'interval' || reason === 'records';
    // The others wait for their store anyway, and a rebalance or shutdown leaves nothing in flight.
    if (!periodic) await this.outputs.drain();
    this.sinceLast = 0;
    this.lastMs = this.now();
    const dirty = [...this.slots.values()].filter((slot) => slot.dirty);
    if (dirty.length === 0) return;
    const ends = this.takeEndsAhead(dirty) ?? (await this.ports.outputEnds(dirty.map((slot) => slot.partition)));
    // A partition dropped while we waited is someone else's now: its state must not be stored.
    const owned = dirty.filter((slot) => this.slots.get(slot.partition) === slot);
    if (owned.length === 0) return;
    const taken = owned.map((slot) => ({
      snapshot: takeCheckpoint(slot),
      outputsFrom: slot.processor.pendingSuppressions > 0 ? slot.readBackFrom : (ends.get(slot.partition) ?? {}),
    }));
    const acknowledged = this.outputs.acknowledgedSoFar();
    // Unhandled until the store awaits it, after encoding: a failed send is reported there (and by the
    // batcher's onFailure), not as an unhandled rejection meanwhile.
    acknowledged.catch(() => {});
    this.readEndsAhead(owned.map((slot) => slot.partition));
    // How long processing waited for this checkpoint (the snapshots, and the end offsets when not read
    // ahead; all acknowledgements too when not periodic): in the debug log, where a latency spike can
    // be matched to it.
    const heldMs = performance.now() - startedMs;
    const store = this.store(owned, taken, reason, heldMs, acknowledged);
    if (!periodic) return store;
    // A failure stops the loop (onFailure) and is rethrown by the next checkpoint, which then stores nothing.
    const storing = store.finally(() => {
      if (this.storing === storing) this.storing = null;
    });
    storing.catch(this.onFailure);
    this.storing = storing;
  }

  // The ends read ahead, when they cover every partition to checkpoint; each is used once.
  private takeEndsAhead(slots: readonly PartitionSlot[]): Map<number, OutputOffsets> | null {
    const ahead = this.endsAhead;
    this.endsAhead = null;
    return ahead !== null && slots.every((slot) => ahead.has(slot.partition)) ? ahead : null;
  }

  // Only a shortcut: when the broker cannot answer, the next checkpoint asks again and fails properly.
  private readEndsAhead(partitions: readonly number[]): void {
    this.ports.outputEnds(partitions).then(
      (ends) => (this.endsAhead = ends),
      () => {},
    );
  }

  private async store(
    owned: readonly PartitionSlot[],
    taken: ReadonlyArray<{ snapshot: PartitionSnapshot | DeltaSnapshot; outputsFrom: OutputOffsets }>,
    reason: CheckpointReason,
    heldMs: number,
    acknowledged: Promise<void>,
  ): Promise<void> {
    // One partition's snapshot at a time, encoded and then stored: a full snapshot is megabytes, and the
    // Kafka client copies a request into one buffer before it sends it, so encoding them all first and
    // storing them in one request held each two or three times over (here, in the request, and in the
    // Kafka thread's copy of it) at the processor's peak in memory.
    const encoding = { ms: 0 };
    const saved: Array<{ slot: PartitionSlot; offset: bigint }> = [];
    for (const [i, slot] of owned.entries()) {
      const { snapshot, outputsFrom } = taken[i] as { snapshot: PartitionSnapshot | DeltaSnapshot; outputsFrom: OutputOffsets };
      const value = await encodeSnapshot(snapshot, encoding);
      const delta = 'kind' in snapshot;
      if (slot.chain !== null) {
        if (delta) slot.chain.deltaBytes += value.length;
        else slot.chain.fullBytes = value.length;
      }
      // Invariant 1: every output of the records the snapshots cover is acknowledged first.
      await acknowledged;
      // A partition dropped meanwhile is someone else's now: its snapshot is not stored.
      if (this.slots.get(slot.partition) !== slot) continue;
      await this.ports.saveSnapshots([{ partition: slot.partition, nextOffset: snapshot.nextOffset, value, outputsFrom, seq: delta ? snapshot.seq : 0, baseOffset: delta ? snapshot.baseOffset : snapshot.nextOffset }]);
      saved.push({ slot, offset: BigInt(snapshot.nextOffset) });
    }
    this.gapMs = STORE_SHARE_INVERSE * encoding.ms;
    this.counts.snapshotsStored += saved.length;
    const commits: CommitOffset[] = [];
    for (const { slot, offset } of saved) {
      if (this.slots.get(slot.partition) !== slot) continue;
      slot.checkpointedOffset = offset;
      commits.push({ partition: slot.partition, offset });
    }
    if (commits.length > 0) await this.ports.commit(commits);
    this.counts.checkpoints++;
    this.logger.debug(
      { event: 'checkpoint', reason, heldMs: Math.round(heldMs), encodeMs: Math.round(encoding.ms), offsets: Object.fromEntries(commits.map((c) => [c.partition, String(c.offset)])) },
      'checkpoint',
    );
  }

  // Invariants 2 and 3: the partition's latest snapshot, with the alerts already published after it, or a
  // fresh start. Null when the partition is no longer owned once they are read.
  async restore(p: number, owns: (partition: number) => boolean): Promise<PartitionSlot | null> {
    const stored = await this.ports.loadSnapshot(p);
    const ids = await this.ports.emittedIds(p, stored?.outputsFrom ?? {}, stored === null ? 0n : BigInt(stored.snapshot.nextOffset));
    if (!owns(p)) return null;
    const proc = new PartitionProcessor(p, this.config);
    if (stored !== null) {
      try {
        proc.restore(stored.snapshot, { emittedAlertIds: ids });
      } catch (err) {
        // What to do about it depends on the cause (failures.ts): a mismatch or a broken snapshot.
        throw new Error(`cannot restore partition ${p} from its snapshot at offset ${stored.snapshot.nextOffset}: ${(err as Error).message}`, { cause: err });
      }
      this.counts.restores++;
    } else {
      // No snapshot: nothing was checkpointed, but alerts may have been produced before a crash.
      if (ids.length > 0) proc.restore(proc.snapshot(), { emittedAlertIds: ids });
      this.counts.freshStarts++;
    }
    if (stored?.chainProblem != null) {
      this.logger.warn(
        { event: 'snapshot-chain-cut', partition: p, deltas: stored.deltas, nextOffset: String(proc.nextOffset), problem: stored.chainProblem },
        `partition ${p}: ${stored.chainProblem}; restored from the checkpoint before it, at offset ${proc.nextOffset}, and processing again from there`,
      );
    }
    this.logger.info(
      { event: 'partition-start', partition: p, nextOffset: String(proc.nextOffset), fromSnapshot: stored !== null, deltas: stored?.deltas ?? 0, alreadyEmitted: ids.length },
      `partition ${p}: ${stored !== null ? `restored at offset ${proc.nextOffset} (a full snapshot and ${stored.deltas} delta(s))` : 'fresh start'}, ${ids.length} alert(s) and notification(s) already emitted`,
    );
    return new PartitionSlot(proc, stored !== null, stored?.outputsFrom ?? {});
  }

  // Invariant 3, for a slot still seeking. The first records after a restore must start at the snapshot's
  // nextOffset. Earlier ones are fine (the processor skips them); a later one means the fetch position is
  // past the state (a commit that got ahead of the snapshots), and applying it would silently lose the
  // records in between.
  admitAfterRestore(slot: PartitionSlot, offset: bigint): boolean {
    const seeking = slot.seeking;
    if (seeking === null) return true;
    const p = slot.partition;
    if (offset <= seeking.offset) {
      if (offset === seeking.offset) slot.seeking = null;
      return true;
    }
    const now = this.now();
    if (seeking.sinceMs === null) {
      seeking.sinceMs = now;
      this.logger.warn({ event: 'seek', partition: p, from: String(offset), to: String(seeking.offset) }, `partition ${p}: fetched from ${offset}, state is at ${seeking.offset}; seeking back`);
    }
    if (this.ports.seek !== undefined && now - seeking.sinceMs < SEEK_PATIENCE_MS) {
      this.counts.reseeks++;
      this.ports.seek(p, seeking.offset);
      return false;
    }
    this.logger.error(
      { event: 'gap', partition: p, expected: String(seeking.offset), got: String(offset) },
      `partition ${p}: records ${seeking.offset}..${offset - 1n} cannot be read; continuing without them`,
    );
    slot.seeking = null;
    return true;
  }
}
