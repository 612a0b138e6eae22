import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RULE_NAMES } from '../../src/processor/alert.ts';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/processor/config.ts';
import { PartitionProcessor, type InputRecord, type ProcessResult } from '../../src/processor/partition-processor.ts';
import { PartitionState, SnapshotError, decodeSnapshot, encodeSnapshot } from '../../src/processor/state.ts';
import { record, seededRandom, T0, tx, type MessageFields } from './helpers.ts';

// Small thresholds and bounds so that a few hundred records exercise every rule, duplicate-id trimming,
// idle-account eviction and late records.
const config = resolveConfig({
  overrides: [
    'rules.velocity.count=3',
    'rules.velocity.windowSec=20',
    'rules.large_amount.minHistory=3',
    'rules.duplicate.maxIds=25',
    'rules.duplicate.windowSec=120',
    'accountIdleTtlSec=60',
    'latenessMs=1500',
  ],
});

const LABELS = ['account_takeover', 'card_testing', 'large_withdrawal', 'mule_transfer'];

// A seeded stream for one partition: full and minimal messages, bad records, retried transactions,
// out-of-order and idle gaps in event time, and simulator labels on most records.
function generate(seed: number, count: number): InputRecord[] {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const accounts = Array.from({ length: 6 }, (_, i) => ({ id: `ACC-${i}`, balance: 500_00, fraud: null as string | null }));
  const sent: MessageFields[] = [];
  const records: InputRecord[] = [];
  let t = T0;
  for (let offset = 0; offset < count; offset++) {
    t += Math.floor(rand() * 2500) + (rand() < 0.02 ? 90_000 : 0);
    const eventMs = rand() < 0.05 ? t - Math.floor(rand() * 10_000) : t;
    const a = pick(accounts);
    if (rand() < 0.1) a.fraud = rand() < 0.5 ? null : pick(LABELS);
    const label = rand() < 0.8 ? (a.fraud ?? 'normal') : undefined;

    const roll = rand();
    if (roll < 0.05) {
      records.push(record(offset, pick(['{"oops"', '[]', '{"account_id":"X","transaction_type":"refund","amount":1}', '{"account_id":"X","transaction_type":"deposit","amount":-1}']), { timestampMs: t, label }));
      continue;
    }
    if (roll < 0.1 && sent.length > 0) {
      records.push(record(offset, pick(sent.slice(-30)), { timestampMs: t, label }));
      continue;
    }
    const type = pick(['withdraw', 'withdraw', 'withdraw', 'deposit', 'current_balance', 'low_balance', 'checking_account'] as const);
    let amount = Math.floor(rand() * 80_00) + 1_00;
    if (type === 'withdraw' && rand() < 0.1) amount = Math.floor(a.balance * 0.95);
    if (type === 'withdraw' && rand() < 0.05) amount *= 30;
    if (type === 'deposit') a.balance += amount;
    if (type === 'withdraw') a.balance -= amount;
    if (type === 'current_balance' || type === 'low_balance') amount = Math.max(0, a.balance);
    const minimal = rand() < 0.2;
    const message: MessageFields = minimal
      ? { account_id: a.id, transaction_type: type, amount: amount / 100 }
      : { transaction_id: `T-${seed}-${offset}`, timestamp: new Date(eventMs).toISOString(), account_id: a.id, transaction_type: type, amount: amount / 100, balance: a.balance / 100 };
    if (!minimal) sent.push(message);
    records.push(record(offset, message, { timestampMs: minimal ? eventMs : t, label }));
  }
  return records;
}

function runAll(p: PartitionProcessor, records: readonly InputRecord[]): ProcessResult[] {
  return records.map((r) => p.process(r));
}

const alertIds = (results: readonly ProcessResult[]) => results.flatMap((r) => r.alerts.map((a) => a.id));
const withoutSkipped = (s: ReturnType<PartitionProcessor['stats']>) => ({ ...s, skipped: 0 });

test('snapshot, kill, restore and replay reproduce the uninterrupted run exactly', () => {
  for (const seed of [1, 2, 3]) {
    const records = generate(seed, 600);
    const reference = new PartitionProcessor(0, config);
    const expected = runAll(reference, records);
    const expectedFlush = reference.flush();

    // The stream must exercise what recovery has to carry, or this test would prove little.
    const fired = new Set(expected.flatMap((r) => r.alerts.map((a) => a.rule)));
    assert.deepEqual(RULE_NAMES.filter((rule) => !fired.has(rule)), [], `seed ${seed}: rules that never fired`);
    const refStats = reference.stats();
    assert.ok(refStats.dlq > 0 && refStats.evictedAccounts > 0, `seed ${seed}: ${JSON.stringify(refStats)}`);
    assert.ok(expected.some((r) => r.metrics.some((w) => w.late > 0)), `seed ${seed}: no late records`);

    const rand = seededRandom(seed * 1000);
    for (let trial = 0; trial < 8; trial++) {
      const snapAt = Math.floor(rand() * records.length);
      const crashAt = snapAt + Math.floor(rand() * (records.length - snapAt));
      const resumeFrom = Math.max(0, snapAt - Math.floor(rand() * 5)); // committed offset behind the snapshot

      const first = new PartitionProcessor(0, config);
      const before = runAll(first, records.slice(0, snapAt));
      const stored = encodeSnapshot(first.snapshot());
      const lost = runAll(first, records.slice(snapAt, crashAt)); // produced, then kill -9

      const second = new PartitionProcessor(0, config);
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

test('alerts already produced before the crash are not produced again when their ids are given', () => {
  const records = generate(9, 400);
  const expected = alertIds(runAll(new PartitionProcessor(0, config), records));
  const first = new PartitionProcessor(0, config);
  const before = runAll(first, records.slice(0, 150));
  const snapshot = first.snapshot();
  const lost = runAll(first, records.slice(150, 290));
  assert.ok(alertIds(lost).length > 0);

  const second = new PartitionProcessor(0, config);
  second.restore(snapshot, { emittedAlertIds: alertIds(lost) });
  const after = runAll(second, records.slice(150));
  // Exactly once: every alert id of the uninterrupted run, in order, and no id twice.
  assert.deepEqual([...alertIds(before), ...alertIds(lost), ...alertIds(after)], expected);
  assert.equal(second.stats().suppressed, alertIds(lost).length);
  assert.equal(second.stats().alerts, first.stats().alerts + alertIds(after).length);
});

test('restore refuses snapshots of another partition or another format', () => {
  const p = new PartitionProcessor(1, DEFAULT_CONFIG);
  p.process(record(0, { account_id: 'A', transaction_type: 'deposit', amount: 1 }, { partition: 1 }));
  const snapshot = p.snapshot();
  assert.throws(() => new PartitionProcessor(2, DEFAULT_CONFIG).restore(snapshot), SnapshotError);
  assert.throws(() => decodeSnapshot(Buffer.from('not gzip')), SnapshotError);
  assert.throws(() => decodeSnapshot(encodeSnapshot({ ...snapshot, version: 2 as 1 })), /snapshot version 2/);
  assert.throws(() => decodeSnapshot(encodeSnapshot({ ...snapshot, nextOffset: '-1' })), /nextOffset/);
  assert.throws(() => new PartitionProcessor(1, { ...DEFAULT_CONFIG, windowMs: 5000 }).restore(snapshot), /window length/);
  assert.equal(decodeSnapshot(encodeSnapshot(snapshot)).nextOffset, '1');
});

test('remembered transaction ids are bounded by count and by age', () => {
  const rules = resolveConfig({ overrides: ['rules.duplicate.maxIds=3', 'rules.duplicate.windowSec=10'] }).rules;
  const state = new PartitionState();
  for (let i = 0; i < 5; i++) state.apply(tx({ transactionId: `id-${i}`, timestampMs: T0 + i }), rules, T0 + i);
  assert.deepEqual(state.seen.entries().map(([id]) => id), ['id-2', 'id-3', 'id-4']);
  state.apply(tx({ transactionId: 'id-3', timestampMs: T0 + 6 }), rules, T0 + 6);
  assert.deepEqual(state.seen.entries().map(([id]) => id), ['id-2', 'id-3', 'id-4'], 'a repeat keeps its place');
  state.apply(tx({ transactionId: 'late-comer', timestampMs: T0 + 20_000 }), rules, T0 + 20_000);
  assert.deepEqual(state.seen.entries().map(([id]) => id), ['late-comer']);
  // Seen again after its window: a new first sighting, and the old queue slot must not evict it.
  state.apply(tx({ transactionId: 'late-comer', timestampMs: T0 + 40_000 }), rules, T0 + 40_000);
  state.apply(tx({ transactionId: 'next', timestampMs: T0 + 41_000 }), rules, T0 + 41_000);
  assert.deepEqual(state.seen.entries(), [
    ['late-comer', { timestampMs: T0 + 40_000, offset: '0', repeats: 0 }],
    ['next', { timestampMs: T0 + 41_000, offset: '0', repeats: 0 }],
  ]);
  assert.equal(state.seen.size, 2);
});

test('idle accounts are evicted by event time', () => {
  const state = new PartitionState();
  state.apply(tx({ accountId: 'old', timestampMs: T0 }), DEFAULT_CONFIG.rules, T0);
  state.apply(tx({ accountId: 'new', transactionId: 'x', timestampMs: T0 + 5000 }), DEFAULT_CONFIG.rules, T0 + 5000);
  assert.equal(state.evictIdle(T0 + 1000), 1);
  assert.deepEqual([...state.accounts.keys()], ['new']);
});
