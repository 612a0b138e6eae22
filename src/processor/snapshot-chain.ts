// A partition's checkpoints as a restore finds them: the latest full snapshot and the delta checkpoints
// written after it (docs/processor.md, "Delta checkpoints"). Pure, so that the Kafka ports and the tests'
// in-memory ports resolve a chain the same way.
//
// Only deltas of the full snapshot's own chain count (baseOffset = its nextOffset): after a newer full
// snapshot, or on a compacted topic that keeps one record per key, records of an older chain may still
// be around, and they are skipped. The deltas are applied in seq order from 1 for as long as they follow
// on: a missing seq, a delta that does not decode or does not continue the state ends the chain there.
// The state is then that of the last checkpoint that did, with its own outputsFrom, which is a sound
// checkpoint of its own: the records after it are processed again and their already published alerts
// read back and suppressed, as after any crash. Nothing is guessed and the problem is reported.
import type { OutputOffsets, StoredSnapshot } from './runner-ports.ts';
import { DeltaChainState, decodeDelta, decodeSnapshot } from './state.ts';

export interface ChainRecord {
  seq: number;
  baseOffset: string;
  value: Buffer;
  outputsFrom: OutputOffsets;
}

// full: the latest full snapshot's record; later: the partition's delta records after it, in log order.
// A full snapshot that does not decode throws (SnapshotError): there is nothing sound to start from.
export function resolveChain(partition: number, full: ChainRecord, later: readonly ChainRecord[]): StoredSnapshot {
  const base = decodeSnapshot(full.value);
  // A delta written again (a retried send) is the same bytes: the last copy of each seq is as good as any.
  const bySeq = new Map<number, ChainRecord>();
  for (const r of later) if (r.seq > 0 && r.baseOffset === base.nextOffset) bySeq.set(r.seq, r);
  const chain = new DeltaChainState(base);
  let outputsFrom = full.outputsFrom;
  let deltas = 0;
  let problem: string | null = null;
  for (let seq = 1; seq <= bySeq.size; seq++) {
    const r = bySeq.get(seq);
    if (r === undefined) {
      problem = `delta ${seq} of the chain from offset ${base.nextOffset} is missing (the chain has ${bySeq.size} deltas after it)`;
      break;
    }
    try {
      chain.apply(decodeDelta(r.value));
    } catch (err) {
      problem = `delta ${seq} of the chain from offset ${base.nextOffset} cannot be used: ${(err as Error).message}`;
      break;
    }
    outputsFrom = r.outputsFrom;
    deltas++;
  }
  return { partition, snapshot: chain.snapshot(), outputsFrom, deltas, chainProblem: problem };
}
