// The amount chart's history (bucket tiers and ranges) and the event clock behind it: where event time
// stands, how fast it runs, and what happens when it jumps back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AmountHistory, TIERS } from '../../src/dashboard/amount-series.ts';
import { EventClock, HEAD_SPAN_MS } from '../../src/dashboard/event-clock.ts';
import { Hub } from '../../src/dashboard/hub.ts';
import { WindowStore } from '../../src/dashboard/window-store.ts';
import type { UpdateMessage } from '../../src/dashboard/views.ts';
import { mergeWindows, WindowAggregator } from '../../src/processor/aggregates.ts';
import { T0, makeWindow } from './helpers.ts';

const LATENESS_MS = 5_000;

test('a real-time feed runs at x1 and is not simulated, however sparse; a fast-forward is, a backlog is not', () => {
  const now = T0;
  // One window a second, published when it closes (its end plus the lateness allowance).
  const real = new EventClock();
  for (let s = 0; s < 60; s++) real.observe(now + s * 1000 + 1000 + LATENESS_MS, now + s * 1000 + 1000);
  assert.ok(Math.abs((real.speed() ?? 0) - 1) < 0.05, `speed ${real.speed()}`);
  assert.equal(real.view().simulated, false);
  assert.equal(real.headMs, now + 60_000);
  // A window every 7 s only.
  const sparse = new EventClock();
  for (let s = 0; s < 120; s += 7) sparse.observe(now + s * 1000 + 1000 + LATENESS_MS, now + s * 1000 + 1000);
  assert.ok(Math.abs((sparse.speed() ?? 0) - 1) < 0.2, `speed ${sparse.speed()}`);
  assert.equal(sparse.view().simulated, false);
  // 600 s of event time per wall-clock second, starting at the wall clock.
  const fast = new EventClock();
  for (let ms = 0; ms < 20_000; ms += 50) fast.observe(now + ms, now + ms * 600);
  const view = fast.view();
  assert.ok(Math.abs((view.speed ?? 0) - 600) < 10, `speed ${view.speed}`);
  assert.equal(view.simulated, true);
  // A processor catching up an hour's backlog at x50: faster than the wall clock but behind it.
  const backlog = new EventClock();
  for (let ms = 0; ms < 20_000; ms += 50) backlog.observe(now + ms, now - 3_600_000 + ms * 50);
  assert.ok((backlog.speed() ?? 0) > 40);
  assert.equal(backlog.view().simulated, false);
  // A real-time feed that starts a day ahead of the previous one: one jump, not a fast-forward.
  const jump = new EventClock();
  for (let s = 0; s < 30; s++) jump.observe(now + s * 1000 + 1000 + LATENESS_MS, now + s * 1000 + 1000 + (s >= 15 ? 86_400_000 : 0));
  assert.ok(Math.abs((jump.speed() ?? 0) - 1) < 0.05, `speed ${jump.speed()}`);
  assert.equal(jump.view().simulated, false);
  // Too little seen to say.
  const fresh = new EventClock();
  fresh.observe(now, now);
  assert.deepEqual(fresh.view(), { headMs: now, speed: null, simulated: false });
});

test('when the event clock jumps back, the head follows the new clock within HEAD_SPAN_MS of publish time', () => {
  const clock = new EventClock();
  const ahead = T0 + 86_400_000;
  for (let s = 0; s < 30; s++) clock.observe(T0 + s * 1000, ahead + s * 1000);
  assert.equal(clock.headMs, ahead + 29_000);
  // A new bank starts at T0 + 30 s of event time; the old clock publishes nothing more.
  let publish = T0 + 30_000;
  for (; clock.headMs !== null && clock.headMs > T0 + 3_600_000; publish += 100) clock.observe(publish, publish);
  assert.ok(publish - (T0 + 30_000) <= HEAD_SPAN_MS + 1000, `took ${publish - (T0 + 30_000)} ms`);
  // Windows of the abandoned clock re-read later (another partition's history) do not pull it forward.
  clock.observe(T0 + 29_000, ahead + 29_000);
  assert.ok((clock.headMs ?? 0) < T0 + 3_600_000);
});

test('the ranges: 5 min in 5 s buckets, 1 h in minutes, all in about 120 buckets, gaps left out', () => {
  let head: number | null = null;
  const history = new AmountHistory(() => head);
  const start = Math.floor(T0 / 3_600_000) * 3_600_000;
  // Two hours of one window a second, none in minute 100 (a gap).
  for (let s = 0; s < 7200; s++) {
    if (Math.floor(s / 60) === 100) continue;
    history.add(makeWindow(s % 3, start + s * 1000, [{ type: 'deposit', cents: 1000 + (s % 60) }, { type: 'withdraw', cents: 50 }]), 1);
  }
  head = start + 7_200_000;
  const five = history.series('5m', 1000);
  assert.equal(five.bucketMs, 5000);
  assert.equal(five.toMs, head);
  assert.equal(five.fromMs, head - 300_000);
  assert.equal(five.buckets.length, 60);
  assert.deepEqual(five.buckets[0]?.byType.deposit, { count: 5, sumCents: 5 * 1000 + (0 + 1 + 2 + 3 + 4), maxCents: 1004 });
  assert.equal(five.currency, 'USD');
  const hour = history.series('1h', 1000);
  assert.equal(hour.bucketMs, 60_000);
  assert.equal(hour.fromMs, head - 3_600_000);
  // 60 minutes minus the empty one: a gap, not a zero.
  assert.equal(hour.buckets.length, 59);
  assert.ok(!hour.buckets.some((b) => b.startMs === start + 100 * 60_000));
  assert.deepEqual(hour.buckets[0]?.byType.withdraw, { count: 60, sumCents: 3000, maxCents: 50 });
  const all = history.series('all', 1000);
  assert.equal(all.bucketMs, 60_000);
  assert.equal(all.fromMs, start);
  assert.equal(all.buckets.length, 119);

  // Three days later the whole history is in hourly buckets.
  for (let h = 1; h <= 72; h++) history.add(makeWindow(0, start + 7_200_000 + h * 3_600_000, [{ type: 'deposit', cents: 100 }]), 1);
  head = start + 7_200_000 + 72 * 3_600_000 + 1000;
  const days = history.series('all', 1000);
  assert.equal(days.bucketMs, 3_600_000);
  assert.equal(days.fromMs, start);
  assert.ok(days.buckets.length >= 70 && days.buckets.length <= 120, `${days.buckets.length} buckets`);
});

test('a short history is all in 5 s buckets; minute-long windows make minute buckets at least', () => {
  let head: number | null = null;
  const history = new AmountHistory(() => head);
  for (let s = 0; s < 30; s++) history.add(makeWindow(0, T0 + s * 1000, [{ type: 'deposit', cents: 100 }]), 1);
  head = T0 + 30_000;
  const all = history.series('all', 1000);
  assert.deepEqual([all.bucketMs, all.fromMs, all.toMs, all.buckets.length], [5000, T0, T0 + 30_000, 6]);
  const minutes = new AmountHistory(() => head);
  const aggregator = new WindowAggregator(0, 60_000, 0);
  for (let m = 0; m < 10; m++) aggregator.addTransaction(T0 + m * 60_000, 'deposit', 100, [], null);
  for (const w of aggregator.flush()) minutes.add(w, 1);
  head = T0 + 600_000;
  const five = minutes.series('5m', 60_000);
  assert.deepEqual([five.bucketMs, five.buckets.length], [60_000, 5]);
});

test('a re-sent window replaces its earlier version in the buckets; currencies merge, mixed when they differ', () => {
  const head = T0 + 10_000;
  const history = new AmountHistory(() => head);
  const partial = makeWindow(0, T0, [{ type: 'deposit', cents: 100 }]);
  const complete = makeWindow(0, T0, [{ type: 'deposit', cents: 100 }, { type: 'deposit', cents: 900 }]);
  history.add(partial, 1);
  history.add(partial, -1);
  history.add(complete, 1);
  const [b] = history.series('5m', 1000).buckets;
  assert.deepEqual(b?.byType.deposit, { count: 2, sumCents: 1000, maxCents: 900 });
  history.add({ ...makeWindow(1, T0 + 5000, [{ type: 'withdraw', cents: 5 }]), currency: 'EUR' }, 1);
  const s = history.series('5m', 1000);
  assert.deepEqual(s.buckets.map((x) => x.currency), ['USD', 'EUR']);
  assert.equal(s.currency, 'mixed');
  // A window of another currency in the same bucket makes that bucket mixed.
  history.add({ ...makeWindow(2, T0, [{ type: 'withdraw', cents: 5 }]), currency: 'EUR' }, 1);
  assert.equal(history.series('5m', 1000).buckets[0]?.currency, 'mixed');
});

test('a full tier drops buckets ahead of the event clock first, so a clock that went back keeps its history', () => {
  let head: number | null = T0 + 100_000 * 5000;
  const history = new AmountHistory(() => head, [{ widthMs: 5000, maxBuckets: 10 }]);
  for (let i = 0; i < 10; i++) history.add(makeWindow(0, T0 + (100_000 - 10 + i) * 5000, [{ type: 'deposit', cents: 1 }]), 1);
  head = T0 + 20 * 5000;
  for (let i = 0; i < 20; i++) history.add(makeWindow(0, T0 + i * 5000, [{ type: 'deposit', cents: 2 }]), 1);
  const tier = history.tiers[0];
  assert.equal(tier?.size, 10);
  assert.equal(tier?.oldestMs, T0 + 10 * 5000, 'the ahead buckets went first, then the oldest of the new clock');
  assert.ok(TIERS.every((t, i) => i === 0 || t.widthMs > (TIERS[i - 1]?.widthMs ?? 0)));
});

test('the window store: after the clock jumps back, new windows are kept and shown, not waited for', () => {
  const store = new WindowStore(20);
  const ahead = T0 + 3_600_000;
  let publish = T0;
  for (let s = 0; s < 20; s++) store.add(makeWindow(s % 2, ahead + s * 1000, [{ type: 'deposit', cents: 100 }]), (publish += 1000));
  assert.equal(store.recent(5).at(-1)?.startMs, ahead + 19_000);
  // The new clock: an hour earlier, one window per second of wall time.
  for (let s = 0; s < 10; s++) store.add(makeWindow(0, T0 + s * 1000, [{ type: 'withdraw', cents: 7 }]), (publish += 1000));
  assert.equal(store.clockView().headMs, T0 + 10_000);
  assert.equal(store.recent(1)[0]?.startMs, T0 + 9000);
  // Kept in the store (the ahead windows made room) and in the range up to the new head.
  assert.ok(store.view(T0 + 9000));
  const five = store.series('5m');
  assert.equal(five.toMs, T0 + 10_000);
  assert.equal(five.buckets.reduce((n, b) => n + (b.byType.withdraw?.count ?? 0), 0), 10);
  assert.equal(store.totalsView().records, 30);
  // Dead letters held before the first transaction come in a window at their record time, which says
  // nothing of the transactions' clock.
  store.add(makeWindow(2, T0 + 7_200_000, [], ['bad_json']), publish + 1000);
  assert.equal(store.clockView().headMs, T0 + 10_000);
});

test('an update after the clock went back carries the whole range; otherwise only changed buckets', async () => {
  let now = T0;
  const hub = new Hub({ minPushIntervalMs: 1, now: () => now });
  const updates: UpdateMessage[] = [];
  hub.subscribe((m) => updates.push(m));
  const next = async () => {
    const n = updates.length;
    for (let i = 0; i < 200 && updates.length === n; i++) await new Promise((r) => setTimeout(r, 5));
    return updates.at(-1) as UpdateMessage;
  };
  hub.addWindow(makeWindow(0, T0, [{ type: 'deposit', cents: 1 }]));
  assert.ok((await next()).series.every((s) => s.full));
  now += 1000;
  hub.addWindow(makeWindow(1, T0, [{ type: 'deposit', cents: 1 }]));
  const delta = await next();
  assert.ok(delta.series.every((s) => !s.full && s.buckets.length === 1), JSON.stringify(delta.series));
  now += 1000;
  hub.addWindow(mergeWindows(makeWindow(0, T0 + 1000, [{ type: 'deposit', cents: 1 }]), makeWindow(1, T0 + 1000, [{ type: 'deposit', cents: 1 }])));
  await next();
  // An hour back, published 4 s later: the head follows, and the ranges start over.
  now += 4000;
  hub.addWindow(makeWindow(0, T0 - 3_600_000, [{ type: 'withdraw', cents: 3 }]));
  const back = await next();
  const five = back.series.find((s) => s.range === '5m');
  assert.equal(five?.full, true);
  assert.equal(five?.toMs, T0 - 3_600_000 + 5000);
  assert.deepEqual(five?.buckets.map((b) => Object.keys(b.byType)), [['withdraw']]);
  hub.close();
});
