// The page's state reducer and formatting (DOM-free parts of src/dashboard/web).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hub } from '../../src/dashboard/hub.ts';
import type { BucketView, SeriesView, UpdateMessage } from '../../src/dashboard/views.ts';
import { formatAmountTick, formatCents, formatCompact, formatDateTime, formatDuration, formatInt, formatMs, formatPercent, formatSpeed, formatTimeNear, timeTicks } from '../../src/dashboard/web/format.ts';
import { applyMessage, emptyState, isStale, MAX_ALERTS, seriesPoints, STALE_AFTER_MS } from '../../src/dashboard/web/state.ts';
import { T0, makeTestAlert, makeWindow } from './helpers.ts';

function bucket(startMs: number, count: number): BucketView {
  return { startMs, currency: 'USD', byType: count === 0 ? {} : { deposit: { count, sumCents: 100 * count, maxCents: 100 } } };
}

function series(over: Partial<SeriesView>): SeriesView {
  return { range: '5m', bucketMs: 5000, fromMs: T0, toMs: T0 + 300_000, headMs: T0 + 299_000, currency: 'USD', full: false, buckets: [], ...over };
}

function update(over: Partial<UpdateMessage>): UpdateMessage {
  const hub = new Hub();
  const summary = hub.summary();
  hub.close();
  return { type: 'update', seq: 1, series: [], alerts: [], droppedAlerts: 0, cases: [], notifications: [], summary, topics: null, groups: null, ...over };
}

test('a snapshot replaces the state; updates replace buckets by start, remove emptied ones and prepend new alerts', () => {
  const hub = new Hub();
  hub.addWindow(makeWindow(0, T0, [{ type: 'deposit', cents: 1 }]));
  hub.addAlert(makeTestAlert(1));
  const state = emptyState();
  state.alerts = [makeTestAlert(99)];
  applyMessage(state, hub.snapshot());
  hub.close();
  assert.deepEqual(state.alerts.map((a) => a.id), ['tx-1:low_balance']);
  assert.deepEqual(Object.keys(state.series), ['5m', '1h', 'all']);
  assert.deepEqual([...(state.series['5m']?.buckets.values() ?? [])].map((b) => [b.startMs, b.byType.deposit?.count]), [[T0, 1]]);

  applyMessage(state, update({ seq: 5, series: [series({ full: true, buckets: [bucket(T0, 3), bucket(T0 + 5000, 4), bucket(T0 + 10_000, 1)] })] }));
  applyMessage(state, update({ seq: 6, series: [series({ buckets: [bucket(T0 + 5000, 7), bucket(T0 + 10_000, 0)] })], alerts: [makeTestAlert(3), makeTestAlert(2), makeTestAlert(1)], droppedAlerts: 7 }));
  assert.equal(state.seq, 6);
  const s5 = state.series['5m'];
  assert.ok(s5);
  assert.deepEqual([...s5.buckets.values()].map((b) => [b.startMs - T0, b.byType.deposit?.count]), [[0, 3], [5000, 7]]);
  // The range moves on: what falls out of it is dropped.
  applyMessage(state, update({ series: [series({ fromMs: T0 + 5000, toMs: T0 + 305_000, buckets: [bucket(T0 + 300_000, 2)] })] }));
  assert.deepEqual([...(state.series['5m']?.buckets.keys() ?? [])].map((k) => k - T0), [5000, 300_000]);
  // Every bucket of the range in order, gaps as null.
  const points = seriesPoints(state.series['5m'] as NonNullable<typeof s5>);
  assert.equal(points.length, 60);
  assert.equal(points[0]?.bucket?.byType.deposit?.count, 7);
  assert.equal(points[1]?.bucket, null);
  assert.equal(points[59]?.bucket?.byType.deposit?.count, 2);
  assert.deepEqual(state.alerts.map((a) => a.id), ['tx-3:low_balance', 'tx-2:low_balance', 'tx-1:low_balance']);
  assert.equal(state.droppedAlerts, 7);
  assert.equal(state.topics?.clusterId, null, 'topics unchanged by an update without them');
});

test('the page keeps at most MAX_ALERTS alerts, dropping the oldest', () => {
  const state = emptyState();
  for (let i = 0; i < MAX_ALERTS + 30; i += 10) applyMessage(state, update({ alerts: Array.from({ length: 10 }, (_, j) => makeTestAlert(i + 9 - j)) }));
  assert.equal(state.alerts.length, MAX_ALERTS);
  assert.equal(state.alerts[0]?.id, `tx-${MAX_ALERTS + 29}:low_balance`);
});

test('time axis ticks fall on round times and name the day where it changes', () => {
  const day = new Date(2026, 11, 6, 0, 0, 0).getTime(); // local midnight
  const five = timeTicks(day + 13 * 3_600_000 + 2_500, day + 13 * 3_600_000 + 302_500, 6);
  assert.deepEqual(five.map((t) => t.label), ['13:01', '13:02', '13:03', '13:04', '13:05']);
  const seconds = timeTicks(day + 10_000, day + 40_000, 4);
  assert.deepEqual(seconds.map((t) => t.label), ['00:00:10', '00:00:20', '00:00:30', '00:00:40']);
  // Across midnight: the first tick and the first of the new day carry the day under the time.
  const night = timeTicks(day - 3 * 3_600_000, day + 3 * 3_600_000, 4);
  assert.deepEqual(night.map((t) => t.label), [['22:00', '5 Dec'], ['00:00', '6 Dec'], '02:00']);
  const weeks = timeTicks(day, day + 20 * 86_400_000, 5);
  assert.ok(weeks.every((t) => typeof t.label === 'string' && / (Dec|Jan)$/.test(t.label)), JSON.stringify(weeks));
  assert.deepEqual(timeTicks(day, day, 5), []);
});

test('times, durations, speeds and amounts are written for reading', () => {
  const at = new Date(2026, 11, 6, 14, 3, 12).getTime();
  assert.equal(formatDateTime(at), 'Sun 6 Dec 2026, 14:03:12');
  assert.equal(formatTimeNear(at, at + 3_600_000), '14:03:12');
  assert.equal(formatTimeNear(at, at + 86_400_000), '6 Dec 14:03:12');
  assert.equal(formatDuration(5000), '5 s');
  assert.equal(formatDuration(60_000), '1 min');
  assert.equal(formatDuration(6 * 3_600_000), '6 h');
  assert.equal(formatDuration(86_400_000), '1 day');
  assert.equal(formatSpeed(598.7), '×600');
  assert.equal(formatSpeed(2.04), '×2');
  assert.equal(formatSpeed(1.46), '×1.5');
  assert.equal(formatSpeed(12_345), '×12,000');
  assert.equal(formatAmountTick(1_250, 'USD'), '$1.3K');
  assert.equal(formatAmountTick(350, 'EUR'), '€350');
  assert.equal(formatAmountTick(1_250, 'mixed'), '1,250');
});

test('numbers are formatted for reading', () => {
  assert.equal(formatInt(1234567), '1,234,567');
  assert.equal(formatInt('98765432109876543210'), '98,765,432,109,876,543,210');
  assert.equal(formatInt('-1234'), '-1,234');
  assert.equal(formatCompact(9_999), '9,999');
  assert.equal(formatCompact(200_000), '200K');
  assert.equal(formatCompact(1_250_000), '1.3M');
  assert.equal(formatCents(123_456), '1,234.56');
  assert.equal(formatPercent(null), '–');
  assert.equal(formatPercent(0.8766), '87.7%');
  assert.equal(formatMs(null), '–');
  assert.equal(formatMs(250), '250 ms');
  assert.equal(formatMs(1_500), '1.5 s');
  assert.equal(formatMs(300_000), '5.0 min');
});

test('the shown data is stale when the stream is down or silent too long, never before the first message', () => {
  const at = 1_000_000;
  assert.equal(isStale(false, null, at), false);
  assert.equal(isStale(true, at, at + STALE_AFTER_MS), false);
  assert.equal(isStale(true, at, at + STALE_AFTER_MS + 1), true);
  assert.equal(isStale(false, at, at + 1), true);
});
