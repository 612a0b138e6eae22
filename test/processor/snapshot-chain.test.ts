// Delta checkpoints: a full snapshot and the deltas after it restore exactly the state of an uninterrupted
// run; a missing or broken delta ends the chain at the checkpoint before it, said plainly; and a compacted
// state topic (one record per key) still holds everything a restore reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartitionProcessor, type DeltaChain, type InputRecord, type ProcessResult } from '../../src/processor/partition-processor.ts';
import { resolveChain, type ChainRecord } from '../../src/processor/snapshot-chain.ts';
import { decodeDelta, encodeSnapshot, type PartitionSnapshot } from '../../src/processor/state.ts';
import { RECOVERY_CONFIG, record, recoveryStream, T0 } from './helpers.ts';

interface Written extends ChainRecord {
  key: string; // as kafka-io.ts keys it: the partition, or the partition and the delta's seq
  nextOffset: string;
  state: PartitionSnapshot; // the full state at nextOffset, to compare with
}

const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

// Processes the records, checkpointing every `every` records; fullEvery: a new chain every so many.
async function writeChain(records: readonly InputRecord[], every: number, fullEvery: number): Promise<{ proc: PartitionProcessor; written: Written[] }> {
  const proc = new PartitionProcessor(0, RECOVERY_CONFIG);
  const written: Written[] = [];
  let chain: DeltaChain | null = null;
  for (const [i, r] of records.entries()) {
    proc.process(r);
    if ((i + 1) % every !== 0) continue;
    const full = chain === null || chain.seq + 1 >= fullEvery || proc.checkpointSize().changed === null;
    const taken = proc.takeCheckpoint(full ? null : { ...(chain as DeltaChain), seq: (chain as DeltaChain).seq + 1 });
    const seq = 'kind' in taken ? taken.seq : 0;
    chain = { baseOffset: 'kind' in taken ? taken.baseOffset : taken.nextOffset, previousOffset: taken.nextOffset, seq };
    written.push({ key: seq === 0 ? 'p0' : `p0/delta/${seq}`, seq, baseOffset: chain.baseOffset, nextOffset: taken.nextOffset, value: await encodeSnapshot(taken), outputsFrom: { alerts: BigInt(i) }, state: proc.snapshot() });
  }
  return { proc, written };
}

// What loadSnapshot does with the records of one state partition: the last full snapshot, the records after it.
function restoreFrom(written: readonly Written[]): ReturnType<typeof resolveChain> {
  const full = written.findLastIndex((w) => w.seq === 0);
  return resolveChain(0, written[full] as Written, written.slice(full + 1));
}

function continueFrom(snapshot: PartitionSnapshot, records: readonly InputRecord[]): ProcessResult[] {
  const proc = new PartitionProcessor(0, RECOVERY_CONFIG);
  proc.restore(snapshot);
  return records.map((r) => proc.process(r));
}

test('a full snapshot and its deltas restore the state at the last delta, and processing goes on exactly', async () => {
  for (const seed of [1, 2, 3]) {
    const records = recoveryStream(seed, 700, { v2: true });
    const { proc, written } = await writeChain(records, 7, 12);
    assert.ok(proc.stats().evictedAccounts > 0, 'accounts were evicted between checkpoints');
    assert.ok(written.filter((w) => w.seq === 0).length >= 5, 'several chains');
    // Every prefix of the log: the latest full snapshot and its deltas give the state at the last record.
    for (let n = 1; n <= written.length; n++) {
      const log = written.slice(0, n);
      const last = log.at(-1) as Written;
      const stored = restoreFrom(log);
      assert.equal(stored.chainProblem, null);
      assert.equal(stored.deltas, last.seq);
      assert.deepEqual(stored.outputsFrom, last.outputsFrom);
      assert.deepEqual(json(stored.snapshot), json(last.state), `seed ${seed}, ${n} checkpoints`);
    }
    // And the restored processor goes on as the uninterrupted one did.
    const at = written.find((w, i) => i >= written.length * 0.6 && w.seq > 0) as Written;
    const expected = continueFrom(at.state, records.slice(Number(at.nextOffset)));
    const stored = restoreFrom(written.slice(0, written.indexOf(at) + 1));
    assert.ok(stored.deltas > 0);
    assert.deepEqual(continueFrom(stored.snapshot, records.slice(Number(at.nextOffset))), expected);
  }
});

test('a delta holds only the accounts changed since the previous checkpoint', async () => {
  const records = recoveryStream(4, 300, { v2: true });
  const { written } = await writeChain(records, 3, 1000);
  const deltas = written.filter((w) => w.seq > 0);
  assert.ok(deltas.length > 50);
  // Three records between checkpoints touch three accounts at most; evictions are listed by id.
  for (const d of deltas) assert.ok(decodeDelta(d.value).engine.accounts.length <= 3);
  assert.ok(deltas.some((d) => decodeDelta(d.value).engine.removed.length > 0), 'some delta lists evicted accounts');
  // Likewise the accounts detection scoring has seen: each delta lists those it added, the chain adds up.
  const added = deltas.map((d) => decodeDelta(d.value).detection?.accountsAdded ?? []);
  for (const ids of added) assert.ok(ids.length <= 3);
  assert.ok(added.some((ids) => ids.length > 0), 'some delta adds accounts to detection scoring');
  const restored = restoreFrom(written).snapshot.detection?.accounts ?? [];
  assert.equal(restored.length, new Set(restored).size);
  assert.ok(restored.length > Math.max(...added.map((ids) => ids.length)), 'the restored state has every account, not only the last delta\'s');
  const proc = new PartitionProcessor(0, RECOVERY_CONFIG);
  for (const r of records.slice(0, 10)) proc.process(r);
  proc.takeCheckpoint(null);
  proc.process(records[10] as InputRecord);
  assert.ok((proc.checkpointSize().changed ?? 99) <= 1);
  const d = proc.takeCheckpoint({ baseOffset: '10', previousOffset: '10', seq: 1 });
  assert.ok('kind' in d && d.engine.accounts.length <= 1);
});

test('a missing or broken delta ends the chain at the checkpoint before it, and says which', async () => {
  const records = recoveryStream(5, 400, { v2: true });
  const { written } = await writeChain(records, 9, 1000);
  assert.ok(written.length >= 10);
  const third = written[3] as Written;
  const reference = written[2] as Written;

  const corrupt = written.map((w) => (w === third ? { ...w, value: Buffer.from('not gzip') } : w));
  const cut = restoreFrom(corrupt);
  assert.equal(cut.deltas, 2);
  assert.match(cut.chainProblem ?? '', /delta 3 of the chain from offset 9 cannot be used: delta is not gzip'd JSON/);
  assert.deepEqual(json(cut.snapshot), json(reference.state));
  assert.deepEqual(cut.outputsFrom, reference.outputsFrom, 'the read-back starts where that checkpoint says');

  const missing = restoreFrom(written.filter((w) => w !== third));
  assert.equal(missing.deltas, 2);
  assert.match(missing.chainProblem ?? '', /delta 3 of the chain from offset 9 is missing/);
  assert.deepEqual(json(missing.snapshot), json(reference.state));

  // A delta that does not continue the state (a later one of the chain under seq 3): refused, not applied.
  const swapped = written.map((w) => (w === third ? { ...w, value: (written[5] as Written).value } : w));
  const refused = restoreFrom(swapped);
  assert.equal(refused.deltas, 2);
  assert.match(refused.chainProblem ?? '', /delta 3 .* cannot be used/);

  // A broken full snapshot leaves nothing to start from: an error, not a guess.
  assert.throws(() => restoreFrom(written.map((w) => (w.seq === 0 ? { ...w, value: Buffer.from('x') } : w))), /snapshot is not gzip'd JSON/);
});

test('compaction of the state topic keeps what a restore reads', async () => {
  const records = recoveryStream(7, 700, { v2: true });
  const { written } = await writeChain(records, 7, 9);
  // Chains of 8 deltas, and the last one shorter: compaction keeps older chains' later deltas before it.
  for (let n = 10; n <= written.length; n += 3) {
    const log = written.slice(0, n);
    const newest = new Map(log.map((w, i) => [w.key, i]));
    const compacted = log.filter((w, i) => newest.get(w.key) === i);
    assert.ok(compacted.length < log.length);
    const stored = restoreFrom(compacted);
    assert.equal(stored.chainProblem, null, `${n} checkpoints`);
    assert.deepEqual(json(stored.snapshot), json((log.at(-1) as Written).state), `${n} checkpoints`);
  }
});

test('a delta carries how the duplicate-id window changed: kept, updated in place, seen afresh after its window, added', async () => {
  // duplicate.windowSec is 120 in RECOVERY_CONFIG.
  const at = (id: string, seconds: number, offset: number) =>
    record(offset, { transaction_id: id, timestamp: new Date(T0 + seconds * 1000).toISOString(), account_id: `ACC-${id}`, transaction_type: 'deposit', amount: 1, balance: 10 });
  const proc = new PartitionProcessor(0, RECOVERY_CONFIG);
  const first = [at('T1', 0, 0), at('T2', 10, 1), at('T3', 20, 2), at('T4', 30, 3), at('T5', 40, 4)];
  for (const r of first) proc.process(r);
  const full = proc.takeCheckpoint(null);
  // T3 again within its window (a repeat: updated in place), T6 new, T1 again after its window (seen
  // afresh: it moves to the back), and the window's cutoff (125 - 120 s) is still before T2.
  for (const r of [at('T3', 100, 5), at('T6', 110, 6), at('T1', 125, 7)]) proc.process(r);
  const delta = proc.takeCheckpoint({ baseOffset: full.nextOffset, previousOffset: full.nextOffset, seq: 1 });
  assert.ok('kind' in delta);
  assert.deepEqual(
    { kept: delta.engine.seen.kept, reinserted: delta.engine.seen.reinserted, updated: delta.engine.seen.updated.map(([id]) => id), added: delta.engine.seen.added.map(([id]) => id) },
    { kept: 4, reinserted: ['T1'], updated: ['T3'], added: ['T6', 'T1'] },
  );
  const stored = resolveChain(0, { seq: 0, baseOffset: full.nextOffset, value: await encodeSnapshot(full), outputsFrom: {} }, [{ seq: 1, baseOffset: full.nextOffset, value: await encodeSnapshot(delta), outputsFrom: {} }]);
  assert.equal(stored.chainProblem, null);
  assert.deepEqual(json(stored.snapshot.engine.seen), json(proc.snapshot().engine.seen));
  assert.deepEqual(stored.snapshot.engine.seen.map(([id]) => id), ['T2', 'T3', 'T4', 'T5', 'T6', 'T1']);
});
