import assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import { test } from 'node:test';
import type { TransactionType } from '../../src/bank/transaction.ts';
import { parseWindows } from '../../src/dashboard/records.ts';
import { WindowAggregator, mergeWindows, type WindowAggregate } from '../../src/processor/aggregates.ts';
import { WindowArray, windowJson } from '../../src/processor/window-json.ts';
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

test('windowJson writes what JSON.stringify writes without the zero and empty fields, and parses back', () => {
  const random = seededRandom(7);
  const types: TransactionType[] = ['deposit', 'withdraw', 'current_balance'];
  const agg = new WindowAggregator(2, 1000, 0);
  const windows: WindowAggregate[] = [];
  for (let i = 0; i < 400; i++) {
    const at = T0 + Math.floor(random() * 5000);
    if (random() < 0.1) agg.addDlq(at, random() < 0.5 ? 'bad_json' : 'missing_field', at);
    else agg.addTransaction(at, types[i % types.length] as TransactionType, Math.floor(random() * 1e7), random() < 0.2 ? [alertOf('velocity')] : [], null);
    if (i % 50 === 49) windows.push(...agg.flush());
  }
  const aggregated = windows.length;
  const quality = emptyQuality();
  quality.labeled = 3;
  quality.byRule.velocity.tp = 2;
  quality.byRule.any.ttdMaxMs = 1234.5;
  windows.push({ ...(windows[0] as WindowAggregate), quality, partitions: [0, 2, 10], throughputPerSec: 1 / 3 });
  windows.push({ ...(windows[0] as WindowAggregate), dlqByReason: { 'odd "key"\n': 1, 'ünïcode': 2, 7: 3 } });
  // Numbers as JSON.stringify writes them: the largest exact integer, negatives, -0, fractions, exponents, NaN.
  const odd = { count: 3, sumCents: Number.MAX_SAFE_INTEGER, minCents: -0, maxCents: -1234567, avgCents: 1e21 };
  windows.push({ ...(windows[0] as WindowAggregate), windowStartMs: -86_400_000, throughputPerSec: Number.NaN, byType: { deposit: odd, withdraw: { ...odd, avgCents: 2.5e-7 } } });
  // Integers of every length up to 16 digits, both signs, and the edges of the 9-digit parts they are written in.
  const edges = [999_999_999, 1e9, 1e9 + 1, 1e10 - 1, 1e15, 2 ** 53 - 2, 2 ** 53, 10, 100];
  const integers = [...edges, ...Array.from({ length: 300 }, (_, i) => Math.floor(random() * 10 ** (1 + (i % 16))) * (i % 3 === 0 ? -1 : 1))];
  for (let i = 0; i + 5 <= integers.length; i += 5) {
    const [count, sumCents, minCents, maxCents, avgCents] = integers.slice(i, i + 5) as [number, number, number, number, number];
    windows.push({ ...(windows[0] as WindowAggregate), windowStartMs: count, byType: { deposit: { count, sumCents, minCents, maxCents, avgCents } } });
  }
  assert.ok(windows.length > 10);
  // What the dashboard decodes: aggregator-built windows come back exactly.
  const built = windows.slice(0, aggregated);
  assert.deepEqual(parseWindows(WindowArray.of(built).take()), built);
  assert.ok(windows.some((w) => w.late === 0 && Object.keys(w.alertsByRule).length === 0), 'some windows have fields to leave out');
  for (const w of windows) {
    assert.deepEqual(JSON.parse(windowJson(w)), withoutZeros(w));
    assert.ok(isAscii(Buffer.from(windowJson(w))), 'ASCII, non-ASCII keys escaped');
  }
});

// JSON.stringify's object for w, minus what windowJson leaves out.
function withoutZeros(w: WindowAggregate): Record<string, unknown> {
  const out = JSON.parse(JSON.stringify(w)) as Record<string, unknown>;
  for (const key of ['valid', 'dlq', 'late'] as const) if (w[key] === 0) delete out[key];
  for (const key of ['dlqByReason', 'alertsByRule', 'alertsBySeverity'] as const) if (Object.keys(w[key]).length === 0) delete out[key];
  if (w.quality.labeled === 0) delete out.quality;
  else {
    const quality = out.quality as { positives?: number; episodes?: number; byRule?: Record<string, Record<string, number>> };
    if (quality.positives === 0) delete quality.positives;
    if (quality.episodes === 0) delete quality.episodes;
    const byRule = quality.byRule ?? {};
    for (const [rule, counts] of Object.entries(byRule)) if (Object.values(counts).every((n) => n === 0)) delete byRule[rule];
    if (Object.keys(byRule).length === 0) delete quality.byRule;
  }
  return out;
}
