import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeWindows } from '../../src/processor/aggregates.ts';
import { emptyQuality } from '../../src/processor/quality.ts';
import { REPORTING_SPAN_MS, WindowStore } from '../../src/dashboard/window-store.ts';
import { T0, makeWindow } from './helpers.ts';

test('windows of different partitions with the same start merge into one view', () => {
  const store = new WindowStore();
  store.add(makeWindow(0, T0, [{ type: 'deposit', cents: 1_000 }, { type: 'withdraw', cents: 300, alerts: [['low_balance', 'HIGH']] }]));
  store.add(makeWindow(1, T0, [{ type: 'deposit', cents: 3_000 }], ['bad_json']));
  assert.deepEqual(store.view(T0), {
    startMs: T0,
    windowMs: 1000,
    partitions: 2,
    records: 4,
    dlq: 1,
    late: 0,
    alerts: 1,
    byType: { deposit: { count: 2, sumCents: 4_000, avgCents: 2_000, maxCents: 3_000 }, withdraw: { count: 1, sumCents: 300, avgCents: 300, maxCents: 300 } },
  });
  const totals = store.totalsView();
  assert.equal(totals.records, 4);
  assert.equal(totals.valid, 3);
  assert.deepEqual(totals.byType.deposit, { count: 2, sumCents: 4_000, minCents: 1_000, maxCents: 3_000 });
  assert.deepEqual(totals.alertsBySeverity, { HIGH: 1 });
  assert.deepEqual(totals.dlqByReason, { bad_json: 1 });
  assert.deepEqual(totals.partitions, [0, 1]);
  assert.equal(totals.sinceMs, T0);
  assert.equal(totals.untilMs, T0 + 1000);
});

test('a re-sent window replaces the earlier one instead of adding to it', () => {
  const store = new WindowStore();
  const partial = makeWindow(3, T0, [{ type: 'withdraw', cents: 500 }]);
  const complete = makeWindow(3, T0, [{ type: 'withdraw', cents: 500 }, { type: 'withdraw', cents: 900 }, { type: 'deposit', cents: 100 }]);
  store.add(makeWindow(4, T0, [{ type: 'deposit', cents: 7 }]));
  store.add(partial);
  store.add(complete);
  store.add(complete); // the same window twice, e.g. read again after a processor restart
  const totals = store.totalsView();
  assert.equal(totals.records, 4);
  assert.deepEqual(totals.byType.withdraw, { count: 2, sumCents: 1_400, minCents: 500, maxCents: 900 });
  assert.deepEqual(totals.byType.deposit, { count: 2, sumCents: 107, minCents: 7, maxCents: 100 });
  assert.equal(store.view(T0)?.records, 4);
  assert.equal(store.view(T0)?.partitions, 2);
});

test('a window covering several partitions replaces every stored window it overlaps', () => {
  const store = new WindowStore();
  const a = makeWindow(0, T0, [{ type: 'deposit', cents: 10 }]);
  const b = makeWindow(1, T0, [{ type: 'deposit', cents: 20 }]);
  store.add(a);
  store.add(b);
  store.add(makeWindow(2, T0, [{ type: 'deposit', cents: 40 }]));
  const both = mergeWindows(makeWindow(0, T0, [{ type: 'deposit', cents: 10 }, { type: 'deposit', cents: 1 }]), b);
  store.add(both);
  assert.equal(store.totalsView().records, 4);
  assert.equal(store.totalsView().byType.deposit?.sumCents, 71);
  assert.equal(store.view(T0)?.partitions, 3);
});

test('quality counters add up over windows and are taken out again on replacement', () => {
  const store = new WindowStore();
  const q = emptyQuality();
  q.labeled = 2;
  q.positives = 1;
  q.episodes = 1;
  q.byRule.any = { tp: 1, fp: 0, detected: 1, ttdSumMs: 40, ttdMaxMs: 40 };
  store.add(makeWindow(0, T0, [{ type: 'withdraw', cents: 1, quality: q }]));
  store.add(makeWindow(0, T0, [{ type: 'withdraw', cents: 1, quality: q }, { type: 'withdraw', cents: 1, quality: q }]));
  store.add(makeWindow(0, T0 + 1000, [{ type: 'withdraw', cents: 1, quality: q }]));
  const quality = store.quality();
  assert.equal(quality.labeled, 6);
  assert.equal(quality.episodes, 3);
  assert.deepEqual(quality.byRule.any, { tp: 3, fp: 0, detected: 3, ttdSumMs: 120, ttdMaxMs: 40 });
});

test('only the newest maxWindows starts are kept; older arrivals still count in the totals', () => {
  const store = new WindowStore(3);
  for (let i = 0; i < 5; i++) store.add(makeWindow(0, T0 + i * 1000, [{ type: 'deposit', cents: 1 }]));
  assert.equal(store.size, 3);
  assert.deepEqual(store.recent(10).map((w) => w.startMs), [T0 + 2000, T0 + 3000, T0 + 4000]);
  assert.equal(store.view(T0), undefined);
  const result = store.add(makeWindow(1, T0, [{ type: 'deposit', cents: 1 }]));
  assert.equal(result.stored, false);
  assert.equal(store.size, 3);
  assert.equal(store.totalsView().records, 6);
  // A straggler inside the kept range is stored in order.
  store.add(makeWindow(1, T0 + 3000, [{ type: 'withdraw', cents: 1 }]));
  assert.equal(store.view(T0 + 3000)?.partitions, 2);
  assert.deepEqual(store.recent(2).map((w) => w.startMs), [T0 + 3000, T0 + 4000]);
});

test('throughput averages the windows before the newest, which may still be incomplete', () => {
  const store = new WindowStore();
  for (let i = 0; i < 7; i++) {
    const txs = Array.from({ length: i === 6 ? 1 : 10 + i }, () => ({ type: 'deposit' as const, cents: 1 }));
    store.add(makeWindow(0, T0 + i * 1000, txs));
  }
  // Windows 1..5 hold 11..15 records: 65 records over 5 seconds.
  assert.equal(store.totalsView().throughputPerSec, 13);
  const single = new WindowStore();
  single.add(makeWindow(0, T0, [{ type: 'deposit', cents: 1 }, { type: 'deposit', cents: 1 }]));
  assert.equal(single.totalsView().throughputPerSec, 2);
  assert.equal(new WindowStore().totalsView().throughputPerSec, 0);
});

test('windows arriving out of order are listed oldest first', () => {
  const store = new WindowStore();
  for (const i of [3, 1, 2, 0, 5]) store.add(makeWindow(0, T0 + i * 1000, [{ type: 'deposit', cents: 1 }]));
  assert.deepEqual(store.recent(10).map((w) => (w.startMs - T0) / 1000), [0, 1, 2, 3, 5]);
});

test('partitions reporting are those that published a window within the reporting span, however sparse the windows', () => {
  const store = new WindowStore();
  const now = 1_000_000;
  // A demo-rate feed: each event-time second holds one partition's window, so the latest seconds alone
  // would name a different, single partition every time.
  for (let i = 0; i < 30; i++) store.add(makeWindow(i % 3, T0 + i * 1000, [{ type: 'deposit', cents: 100 }]), now - 1000 + i);
  assert.deepEqual(store.totalsView(now).partitions, [0, 1, 2]);
  // Partition 2's processor stops; its last window ages out of the span while 0 and 1 go on.
  for (let i = 30; i < 40; i++) store.add(makeWindow(i % 2, T0 + i * 1000, [{ type: 'deposit', cents: 100 }]), now + REPORTING_SPAN_MS - 1000 + i);
  assert.deepEqual(store.totalsView(now + REPORTING_SPAN_MS - 1000).partitions, [0, 1, 2]);
  assert.deepEqual(store.totalsView(now + REPORTING_SPAN_MS).partitions, [0, 1]);
  // Windows re-read long after they were published (history after a dashboard restart) do not count.
  const old = new WindowStore();
  old.add(makeWindow(5, T0, [{ type: 'deposit', cents: 100 }]), now - REPORTING_SPAN_MS - 1);
  assert.deepEqual(old.totalsView(now).partitions, []);
  assert.equal(old.totalsView(now).records, 1);
});
