import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RULE_NAMES } from '../../src/processor/alert.ts';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/processor/config.ts';
import { PartitionProcessor, type InputRecord, type ProcessResult } from '../../src/processor/partition-processor.ts';
import { RuleEngine } from '../../src/processor/rules/engine.ts';
import { PartitionState, SNAPSHOT_VERSION, SnapshotError, decodeDelta, decodeSnapshot, encodeSnapshot } from '../../src/processor/state.ts';
import { RECOVERY_CONFIG, record, recoveryStream, seededRandom, T0, tx } from './helpers.ts';

function runAll(p: PartitionProcessor, records: readonly InputRecord[]): ProcessResult[] {
  return records.map((r) => p.process(r));
}

const alertIds = (results: readonly ProcessResult[]) => results.flatMap((r) => r.alerts.map((a) => a.id));
const withoutSkipped = (s: ReturnType<PartitionProcessor['stats']>) => ({ ...s, skipped: 0 });

test('snapshot, kill, restore and replay reproduce the uninterrupted run exactly', async () => {
  for (const seed of [1, 2, 3]) {
    const records = recoveryStream(seed, 600, { v2: true });
    const reference = new PartitionProcessor(0, RECOVERY_CONFIG);
    const expected = runAll(reference, records);
    const expectedFlush = reference.flush();

    // The stream must exercise what recovery has to carry, or this test would prove little.
    const fired = new Set(expected.flatMap((r) => [...r.alerts, ...r.notifications].map((a) => a.rule)));
    // dormant needs days of silence, which evict an account under this config's 60 s idle TTL.
    assert.deepEqual(RULE_NAMES.filter((rule) => rule !== 'dormant' && !fired.has(rule)), [], `seed ${seed}: rules that never fired`);
    const refStats = reference.stats();
    assert.ok(refStats.dlq > 0 && refStats.evictedAccounts > 0, `seed ${seed}: ${JSON.stringify(refStats)}`);
    assert.ok(expected.some((r) => r.metrics.some((w) => w.late > 0)), `seed ${seed}: no late records`);

    const rand = seededRandom(seed * 1000);
    for (let trial = 0; trial < 8; trial++) {
      const snapAt = Math.floor(rand() * records.length);
      const crashAt = snapAt + Math.floor(rand() * (records.length - snapAt));
      const resumeFrom = Math.max(0, snapAt - Math.floor(rand() * 5)); // committed offset behind the snapshot

      const first = new PartitionProcessor(0, RECOVERY_CONFIG);
      const before = runAll(first, records.slice(0, snapAt));
      const stored = await encodeSnapshot(first.snapshot());
      const lost = runAll(first, records.slice(snapAt, crashAt)); // produced, then kill -9

      const second = new PartitionProcessor(0, RECOVERY_CONFIG);
      second.restore(decodeSnapshot(stored));
      assert.equal(second.nextOffset, BigInt(snapAt));
      const replayed = runAll(second, records.slice(resumeFrom));
      const where = `seed ${seed}, snapshot ${snapAt}, crash ${crashAt}, resume ${resumeFrom}`;

      assert.ok(replayed.slice(0, snapAt - resumeFrom).every((r) => r.skipped), where);
      assert.deepEqual(replayed.slice(snapAt - resumeFrom), expected.slice(snapAt), where);
      assert.deepEqual(second.flush(), expectedFlush, where);
      assert.deepEqual(second.qualityTotals(), reference.qualityTotals(), where);
      assert.deepEqual(withoutSkipped(second.stats()), withoutSkipped(refStats), where);
      const union = new Set([...alertIds(before), ...alertIds(lost), ...alertIds(replayed)]);
      assert.deepEqual([...union].sort(), [...new Set(alertIds(expected))].sort(), where);
    }
  }
});

test('a checkpoint holds the state as it was when taken, though records change it in place before it is encoded', async () => {
  const records = recoveryStream(4, 600, { v2: true });
  const p = new PartitionProcessor(0, RECOVERY_CONFIG);
  runAll(p, records.slice(0, 200));
  const full = p.takeCheckpoint(null);
  const fullThen = decodeSnapshot(await encodeSnapshot(p.snapshot()));
  runAll(p, records.slice(200, 300));
  const delta = p.takeCheckpoint({ baseOffset: full.nextOffset, previousOffset: full.nextOffset, seq: 1 });
  const deltaThen = p.snapshot();
  runAll(p, records.slice(300));
  // Encoded only now, after the accounts they hold have changed again.
  assert.deepEqual(decodeSnapshot(await encodeSnapshot(full)), fullThen);
  const decoded = decodeDelta(await encodeSnapshot(delta));
  assert.ok(decoded.engine.accounts.length > 0);
  const accountsThen = new Map(deltaThen.engine.accounts);
  for (const [id, account] of decoded.engine.accounts) assert.deepEqual(account, accountsThen.get(id), id);
});

test('alerts already produced before the crash are not produced again when their ids are given', () => {
  const records = recoveryStream(9, 400);
  const expected = alertIds(runAll(new PartitionProcessor(0, RECOVERY_CONFIG), records));
  const first = new PartitionProcessor(0, RECOVERY_CONFIG);
  const before = runAll(first, records.slice(0, 150));
  const snapshot = first.snapshot();
  const lost = runAll(first, records.slice(150, 290));
  assert.ok(alertIds(lost).length > 0);

  const second = new PartitionProcessor(0, RECOVERY_CONFIG);
  second.restore(snapshot, { emittedAlertIds: alertIds(lost) });
  const after = runAll(second, records.slice(150));
  // Exactly once: every alert id of the uninterrupted run, in order, and no id twice.
  assert.deepEqual([...alertIds(before), ...alertIds(lost), ...alertIds(after)], expected);
  assert.equal(second.stats().suppressed, alertIds(lost).length);
  assert.equal(second.stats().alerts, first.stats().alerts + alertIds(after).length);
});

test('restore refuses snapshots of another partition or another format', async () => {
  const p = new PartitionProcessor(1, DEFAULT_CONFIG);
  p.process(record(0, { account_id: 'A', transaction_type: 'deposit', amount: 1 }, { partition: 1 }));
  const snapshot = p.snapshot();
  assert.throws(() => new PartitionProcessor(2, DEFAULT_CONFIG).restore(snapshot), SnapshotError);
  assert.throws(() => decodeSnapshot(Buffer.from('not gzip')), SnapshotError);
  const newer = await encodeSnapshot({ ...snapshot, version: SNAPSHOT_VERSION + 1 });
  assert.throws(() => decodeSnapshot(newer), new RegExp(`snapshot version ${SNAPSHOT_VERSION + 1}`));
  const badOffset = await encodeSnapshot({ ...snapshot, nextOffset: '-1' });
  assert.throws(() => decodeSnapshot(badOffset), /nextOffset/);
  assert.throws(() => new PartitionProcessor(1, { ...DEFAULT_CONFIG, windowMs: 5000 }).restore(snapshot), /window length/);
  assert.equal(decodeSnapshot(await encodeSnapshot(snapshot)).nextOffset, '1');
});

test('remembered transaction ids are bounded by count and by age', () => {
  const rules = resolveConfig({ overrides: ['rules.duplicate.maxIds=3', 'rules.duplicate.windowSec=10'] }).rules;
  const state = new PartitionState(new RuleEngine(rules));
  for (let i = 0; i < 5; i++) state.apply(tx({ transactionId: `id-${i}`, timestampMs: T0 + i }), T0 + i);
  assert.deepEqual(state.seen.entries().map(([id]) => id), ['id-2', 'id-3', 'id-4']);
  state.apply(tx({ transactionId: 'id-3', timestampMs: T0 + 6 }), T0 + 6);
  assert.deepEqual(state.seen.entries().map(([id]) => id), ['id-2', 'id-3', 'id-4'], 'a repeat keeps its place');
  state.apply(tx({ transactionId: 'late-comer', timestampMs: T0 + 20_000 }), T0 + 20_000);
  assert.deepEqual(state.seen.entries().map(([id]) => id), ['late-comer']);
  // Seen again after its window: a new first sighting, and the old queue slot must not evict it.
  state.apply(tx({ transactionId: 'late-comer', timestampMs: T0 + 40_000 }), T0 + 40_000);
  state.apply(tx({ transactionId: 'next', timestampMs: T0 + 41_000 }), T0 + 41_000);
  assert.deepEqual(state.seen.entries(), [
    ['late-comer', { timestampMs: T0 + 40_000, offset: '0', repeats: 0 }],
    ['next', { timestampMs: T0 + 41_000, offset: '0', repeats: 0 }],
  ]);
  assert.equal(state.seen.size, 2);
});

test('idle accounts are evicted by event time', () => {
  const state = new PartitionState(new RuleEngine(DEFAULT_CONFIG.rules));
  state.apply(tx({ accountId: 'old', timestampMs: T0 }), T0);
  state.apply(tx({ accountId: 'new', transactionId: 'x', timestampMs: T0 + 5000 }), T0 + 5000);
  assert.equal(state.evictIdle(T0 + 1000), 1);
  assert.deepEqual([...state.accounts.keys()], ['new']);
});
