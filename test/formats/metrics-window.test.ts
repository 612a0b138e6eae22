import assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import { test } from 'node:test';
import { TRANSACTION_TYPES, type TransactionType } from '../../src/bank/transaction.ts';
import { MIXED_CURRENCY, parseWindows, WindowArray, windowFormat, type WindowAggregate } from '../../src/formats/metrics-window.ts';
import { writeValue } from '../../src/formats/schema.ts';
import { mergeWindows, WindowAggregator } from '../../src/processor/aggregates.ts';
import { makeAlert, SEVERITIES } from '../../src/processor/alert.ts';
import { FRAUD_RULE_NAMES } from '../../src/processor/rules/registry.ts';
import { emptyQuality, QualityTracker } from '../../src/processor/quality.ts';
import { makeWindow } from '../dashboard/helpers.ts';
import { T0, seededRandom, tx } from '../processor/helpers.ts';
import { OLD_WINDOWS } from './fixtures/old-records.ts';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

// One window's JSON, as it appears in a bank_metrics value.
const windowJson = (w: WindowAggregate) => writeValue(windowFormat, w).toString('latin1');

const metricsValue = (...windows: unknown[]) => Buffer.from(`[${windows.map((w) => JSON.stringify(w)).join(',')}]`);

test('windows as the processor publishes them parse back to the same aggregates', () => {
  const q = emptyQuality();
  q.labeled = 1;
  q.byRule.velocity.fp = 1;
  const w = makeWindow(2, T0, [{ type: 'withdraw', cents: 250, alerts: [['velocity', 'MEDIUM']], quality: q }, { type: 'deposit', cents: 1_000 }], ['bad_json']);
  const plain = makeWindow(2, T0 + 1000, [{ type: 'deposit', cents: 7 }]);
  const dlqOnly = makeWindow(2, T0 + 2000, [], ['empty', 'empty']);
  assert.deepEqual(parseWindows(WindowArray.of([w, plain, dlqOnly]).take()), [w, plain, dlqOnly]);
  assert.deepEqual(parseWindows(metricsValue(w)), [w], 'all fields written out parse the same');
});

test('a window carries the currency of its transactions, mixed when they differ, and the default is left out', () => {
  const agg = new WindowAggregator(0, 1000, 0);
  agg.addDlq(T0, 'bad_json', T0);
  agg.addTransaction(T0 + 1, 'deposit', 100, [], null, 'EUR');
  agg.addTransaction(T0 + 1001, 'deposit', 100, [], null, 'EUR');
  agg.addTransaction(T0 + 1002, 'deposit', 100, [], null, null);
  agg.addTransaction(T0 + 2001, 'deposit', 100, [], null, null);
  const [eur, mixed, usd] = agg.flush();
  assert.deepEqual([eur?.currency, mixed?.currency, usd?.currency], ['EUR', MIXED_CURRENCY, 'USD']);
  assert.deepEqual(parseWindows(WindowArray.of([eur, mixed, usd] as WindowAggregate[]).take())?.map((w) => w.currency), ['EUR', MIXED_CURRENCY, 'USD']);
  assert.match(windowJson(eur as WindowAggregate), /"currency":"EUR"/);
  assert.doesNotMatch(windowJson(usd as WindowAggregate), /currency/);
  // Merged: a window of dead letters only has no currency to add.
  const dlqOnly = makeWindow(1, T0, [], ['bad_json']);
  assert.equal(mergeWindows(eur as WindowAggregate, dlqOnly).currency, 'EUR');
  assert.equal(mergeWindows(eur as WindowAggregate, makeWindow(1, T0, [{ type: 'deposit', cents: 1 }])).currency, MIXED_CURRENCY);
});

test('malformed windows are rejected rather than merged', () => {
  const good = makeWindow(0, T0, [{ type: 'deposit', cents: 1 }]);
  const bad: unknown[] = [
    'not json',
    null,
    [],
    { ...good, partitions: [] },
    { ...good, partitions: [0, 0] },
    { ...good, partitions: [-1] },
    { ...good, windowMs: 0 },
    { ...good, windowStartMs: 'soon' },
    { ...good, records: -1 },
    { ...good, byType: { teleport: { count: 1, sumCents: 1, minCents: 1, maxCents: 1 } } },
    { ...good, byType: { deposit: { count: 0, sumCents: 1, minCents: 1, maxCents: 1 } } },
    { ...good, alertsBySeverity: { HIGH: 'many' } },
    { ...good, quality: { labeled: 1, positives: -1 } },
    { ...good, quality: { labeled: 1, byRule: 7 } },
    { ...good, quality: { labeled: 'one' } },
  ];
  for (const v of bad) assert.equal(parseWindows(typeof v === 'string' ? Buffer.from(`[${v}]`) : metricsValue(v)), null, JSON.stringify(v));
  assert.equal(parseWindows(json(good)), null, 'a window outside an array');
  assert.equal(parseWindows(json([])), null, 'no windows');
  assert.equal(parseWindows(metricsValue(good, { ...good, records: -1 })), null, 'one bad window spoils the record');
  assert.equal(parseWindows(null), null);
  assert.equal(parseWindows(Buffer.alloc(0)), null);
});

test('unknown fields of a window are dropped', () => {
  const w = makeWindow(0, T0, [{ type: 'deposit', cents: 1 }]);
  const raw = JSON.stringify(w).replace(/^\{/, '{"__proto__":{"polluted":true},"extra":"<script>",');
  const [parsed] = parseWindows(Buffer.from(`[${raw}]`)) ?? [];
  assert.ok(parsed);
  assert.equal('extra' in parsed, false);
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.equal((parsed as unknown as { polluted?: boolean }).polluted, undefined);
  assert.deepEqual(parsed, w);
});

const alertOf = (rule: 'velocity' | 'overdraft') =>
  makeAlert(tx(), rule, rule === 'overdraft' ? 'CRITICAL' : 'HIGH', { observed: {}, threshold: {}, explanation: '' });

test('a window is written as JSON.stringify writes it without the zero and empty fields, and parses back', () => {
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
  if (w.currency === 'USD') delete out.currency;
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

test('a bank_metrics value written by the code before src/formats parses, and is written again byte for byte', () => {
  const old = fs.readFileSync(new URL('./fixtures/bank-metrics.json', import.meta.url));
  // Windows of then had no currency: they parse as the default, which is left out again.
  const parsed = parseWindows(old);
  assert.deepEqual(parsed, OLD_WINDOWS.map((w) => ({ ...w, currency: 'USD' })));
  assert.ok(WindowArray.of(parsed ?? []).take().equals(old));
});

// Windows as a processor makes them: random transactions, dead letters, alerts and labels through the
// aggregator and the quality tracker.
function aggregatedWindows(seed: number): WindowAggregate[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const agg = new WindowAggregator(seed % 5, 1000, Math.floor(random() * 3) * 1000);
  const quality = new QualityTracker();
  const windows: WindowAggregate[] = [];
  for (let i = 0; i < 300; i++) {
    const at = T0 + i * 40 + Math.floor(random() * 4000);
    if (random() < 0.05) {
      agg.addDlq(random() < 0.3 ? null : at, pick(['bad_json', 'oversize', 'ü "odd"\n']), at);
      continue;
    }
    const alerts = random() < 0.2 ? [makeAlert(tx(), pick(FRAUD_RULE_NAMES), pick(SEVERITIES), { observed: {}, threshold: {}, explanation: '' })] : [];
    const label = random() < 0.4 ? null : pick(['normal', 'normal', 'account_takeover', 'card_testing']);
    const delta = quality.observe(pick(['a', 'b', 'c']), at, label, null, alerts.map((a) => a.rule));
    agg.addTransaction(at, pick(TRANSACTION_TYPES), Math.floor((random() - 0.1) * 10 ** Math.floor(random() * 14)), alerts, delta);
    if (random() < 0.3) windows.push(...agg.advance(at));
  }
  windows.push(...agg.flush());
  return windows;
}

test('aggregated windows round-trip, in records of any size, and leave out exactly their zeros', () => {
  let windows = 0;
  let labeled = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const built = aggregatedWindows(seed);
    windows += built.length;
    labeled += built.filter((w) => w.quality.labeled > 0).length;
    assert.deepEqual(parseWindows(WindowArray.of(built).take()), built);
    for (const w of built) {
      assert.deepEqual(parseWindows(WindowArray.of([w]).take()), [w]);
      assert.deepEqual(JSON.parse(windowJson(w)), withoutZeros(w));
    }
  }
  assert.ok(windows > 500 && labeled > 100, `${windows} windows, ${labeled} labeled`);
});

test('a window array takes back its last window and is filled again after take', () => {
  const [a, b, c] = aggregatedWindows(3);
  assert.ok(a && b && c);
  const array = new WindowArray(64);
  assert.equal(array.byteLength, 2, '[]');
  array.add(a);
  const one = array.byteLength;
  array.add(b);
  assert.equal(array.count, 2);
  array.removeLast();
  assert.equal(array.count, 1);
  assert.equal(array.byteLength, one);
  array.add(c);
  const value = array.take();
  assert.deepEqual(parseWindows(value), [a, c]);
  assert.equal(array.count, 0);
  assert.equal(array.byteLength, 2, 'empty again');
  array.add(b);
  assert.deepEqual(parseWindows(array.take()), [b]);
});

test('derived fields are recomputed from the counts, whatever the record says', () => {
  const w = makeWindow(1, T0, [{ type: 'deposit', cents: 300 }, { type: 'deposit', cents: 100 }]);
  const forged = { ...w, throughputPerSec: 1e9, byType: { deposit: { ...w.byType.deposit, avgCents: -5 } } };
  const [parsed] = parseWindows(metricsValue(forged)) ?? [];
  assert.equal(parsed?.throughputPerSec, 2);
  assert.equal(parsed?.byType.deposit?.avgCents, 200);
  assert.deepEqual(windowFormat.empty().quality, emptyQuality());
});

test('fields with a default may be null or absent; required ones may not', () => {
  const w = makeWindow(0, T0, [{ type: 'deposit', cents: 1 }]);
  assert.deepEqual(parseWindows(metricsValue({ ...w, valid: null, late: null, byType: undefined })), [{ ...w, valid: 0, byType: {} }]);
  for (const key of ['partitions', 'windowStartMs', 'windowMs', 'records'] as const) {
    assert.equal(parseWindows(metricsValue({ ...w, [key]: undefined })), null, key);
    assert.equal(parseWindows(metricsValue({ ...w, [key]: null })), null, key);
  }
  assert.equal(parseWindows(metricsValue({ ...w, quality: { positives: 1 } })), null, 'quality without labeled');
  const newerRule = { labeled: 1, byRule: { some_future_rule: { tp: 1, fp: 0, detected: 0, ttdSumMs: 0, ttdMaxMs: 0 } } };
  const [parsed] = parseWindows(metricsValue({ ...w, quality: newerRule })) ?? [];
  assert.deepEqual(parsed?.quality, { ...emptyQuality(), labeled: 1 }, 'an unknown rule is dropped');
});
