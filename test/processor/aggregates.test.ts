import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TransactionType } from '../../src/bank/transaction.ts';
import { WindowAggregator, mergeWindows, type WindowAggregate } from '../../src/processor/aggregates.ts';
import { makeAlert } from '../../src/processor/alert.ts';
import { emptyQuality } from '../../src/processor/quality.ts';
import { T0, seededRandom, tx } from './helpers.ts';

const alertOf = (rule: 'velocity' | 'overdraft') =>
  makeAlert(tx(), rule, rule === 'overdraft' ? 'CRITICAL' : 'HIGH', { observed: {}, threshold: {}, explanation: '' });

test('records land in their event-time second and a window closes after the lateness allowance', () => {
  const agg = new WindowAggregator(4, 1000, 2000);
  agg.addTransaction(T0 + 100, 'withdraw', 500, [alertOf('velocity')], null);
  agg.addTransaction(T0 + 900, 'withdraw', 300, [alertOf('velocity'), alertOf('overdraft')], null);
  agg.addTransaction(T0 + 950, 'deposit', 1_00, [], null);
  agg.addDlq(T0 + 999, 'bad_json', T0 + 999);
  agg.addTransaction(T0 + 1500, 'withdraw', 700, [], null);
  assert.deepEqual(agg.advance(T0 + 1500), []);
  assert.deepEqual(agg.advance(T0 + 2999), []);
  const [w, ...rest] = agg.advance(T0 + 3000);
  assert.deepEqual(rest, []);
  assert.ok(w);
  assert.deepEqual(w, {
    partitions: [4],
    windowStartMs: T0,
    windowMs: 1000,
    records: 4,
    valid: 3,
    dlq: 1,
    late: 0,
    throughputPerSec: 4,
    dlqByReason: { bad_json: 1 },
    byType: {
      withdraw: { count: 2, sumCents: 800, minCents: 300, maxCents: 500, avgCents: 400 },
      deposit: { count: 1, sumCents: 100, minCents: 100, maxCents: 100, avgCents: 100 },
    },
    alertsByRule: { velocity: 2, overdraft: 1 },
    alertsBySeverity: { HIGH: 2, CRITICAL: 1 },
    quality: emptyQuality(),
    currency: 'USD',
  });
  assert.deepEqual(agg.flush().map((x) => [x.windowStartMs, x.records]), [[T0 + 1000, 1]]);
});

test('a record for a closed window goes to the watermark window, counted as late', () => {
  const agg = new WindowAggregator(0, 1000, 0);
  agg.addTransaction(T0 + 10, 'deposit', 1, [], null);
  assert.equal(agg.advance(T0 + 5_500).length, 1);
  agg.addTransaction(T0 + 20, 'deposit', 2, [], null);
  agg.addTransaction(T0 + 5_600, 'deposit', 3, [], null);
  const [w] = agg.flush();
  assert.ok(w);
  assert.equal(w.windowStartMs, T0 + 5_000);
  assert.equal(w.records, 2);
  assert.equal(w.late, 1);
  assert.equal(w.byType.deposit?.sumCents, 5);
});

test('the watermark never moves back and windows come out oldest first', () => {
  const agg = new WindowAggregator(0, 1000, 0);
  for (const s of [3, 1, 2]) agg.addTransaction(T0 + s * 1000, 'deposit', s, [], null);
  assert.deepEqual(agg.advance(T0 + 10_000).map((w) => w.windowStartMs), [T0 + 1000, T0 + 2000, T0 + 3000]);
  assert.deepEqual(agg.advance(T0), []);
});

function randomWindow(partition: number, seed: number): WindowAggregate {
  const rand = seededRandom(seed);
  const agg = new WindowAggregator(partition, 1000, 0);
  const types: TransactionType[] = ['deposit', 'withdraw', 'current_balance'];
  for (let i = 0; i < 20; i++) {
    if (rand() < 0.1) agg.addDlq(T0 + 500, rand() < 0.5 ? 'bad_json' : 'oversize', T0 + 500);
    else agg.addTransaction(T0 + Math.floor(rand() * 1000), types[Math.floor(rand() * 3)] as TransactionType, Math.floor(rand() * 10_000), rand() < 0.2 ? [alertOf('velocity')] : [], null);
  }
  const [w] = agg.flush();
  assert.ok(w);
  return w;
}

test('merging is commutative and associative, and sums what it merges', () => {
  const [a, b, c] = [randomWindow(0, 1), randomWindow(1, 2), randomWindow(2, 3)];
  assert.deepEqual(mergeWindows(a, b), mergeWindows(b, a));
  const left = mergeWindows(mergeWindows(a, b), c);
  assert.deepEqual(left, mergeWindows(a, mergeWindows(b, c)));
  assert.deepEqual(left.partitions, [0, 1, 2]);
  assert.equal(left.records, a.records + b.records + c.records);
  assert.equal(left.throughputPerSec, left.records);
  const sums = (w: WindowAggregate) => w.byType.withdraw?.sumCents ?? 0;
  assert.equal(sums(left), sums(a) + sums(b) + sums(c));
  const w = left.byType.withdraw;
  assert.ok(w);
  assert.equal(w.avgCents, w.sumCents / w.count);
  assert.equal(w.minCents, Math.min(...[a, b, c].map((x) => x.byType.withdraw?.minCents ?? Infinity)));
  assert.equal(left.alertsByRule.velocity, (a.alertsByRule.velocity ?? 0) + (b.alertsByRule.velocity ?? 0) + (c.alertsByRule.velocity ?? 0));
});

test('merging refuses overlapping partitions and different windows', () => {
  const a = randomWindow(0, 1);
  assert.throws(() => mergeWindows(a, randomWindow(0, 2)), /both cover partition\(s\) 0/);
  assert.throws(() => mergeWindows(a, { ...randomWindow(1, 2), windowStartMs: T0 + 1000 }), RangeError);
});
