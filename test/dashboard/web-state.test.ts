// The page's state reducer and formatting (DOM-free parts of src/dashboard/web).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hub } from '../../src/dashboard/hub.ts';
import type { UpdateMessage, WindowView } from '../../src/dashboard/views.ts';
import { formatCents, formatCompact, formatInt, formatMs, formatPercent } from '../../src/dashboard/web/format.ts';
import { applyMessage, emptyState, isStale, MAX_ALERTS, MAX_WINDOWS, sortedWindows, STALE_AFTER_MS } from '../../src/dashboard/web/state.ts';
import { T0, makeTestAlert, makeWindow } from './helpers.ts';

function view(startMs: number, records: number): WindowView {
  return { startMs, windowMs: 1000, partitions: 1, records, dlq: 0, late: 0, alerts: 0, byType: {} };
}

function update(over: Partial<UpdateMessage>): UpdateMessage {
  const hub = new Hub();
  const summary = hub.summary();
  hub.close();
  return { type: 'update', seq: 1, windows: [], alerts: [], droppedAlerts: 0, summary, topics: null, groups: null, ...over };
}

test('a snapshot replaces the state; updates replace windows by start and prepend new alerts', () => {
  const hub = new Hub();
  hub.addWindow(makeWindow(0, T0, [{ type: 'deposit', cents: 1 }]));
  hub.addAlert(makeTestAlert(1));
  const state = emptyState();
  state.alerts = [makeTestAlert(99)];
  applyMessage(state, hub.snapshot());
  hub.close();
  assert.deepEqual(state.alerts.map((a) => a.id), ['tx-1:low_balance']);
  assert.deepEqual(sortedWindows(state).map((w) => w.records), [1]);

  applyMessage(state, update({ seq: 5, windows: [view(T0 + 1000, 4), view(T0, 3)], alerts: [makeTestAlert(3), makeTestAlert(2), makeTestAlert(1)], droppedAlerts: 7 }));
  assert.equal(state.seq, 5);
  assert.deepEqual(sortedWindows(state).map((w) => [w.startMs - T0, w.records]), [[0, 3], [1000, 4]]);
  assert.deepEqual(state.alerts.map((a) => a.id), ['tx-3:low_balance', 'tx-2:low_balance', 'tx-1:low_balance']);
  assert.equal(state.droppedAlerts, 7);
  assert.equal(state.topics?.clusterId, null, 'topics unchanged by an update without them');
});

test('the page keeps at most MAX_WINDOWS windows and MAX_ALERTS alerts, dropping the oldest', () => {
  const state = emptyState();
  for (let i = 0; i < MAX_WINDOWS + 30; i += 10) {
    applyMessage(state, update({ windows: Array.from({ length: 10 }, (_, j) => view(T0 + (i + j) * 1000, 1)), alerts: Array.from({ length: 10 }, (_, j) => makeTestAlert(i + 9 - j)) }));
  }
  const windows = sortedWindows(state);
  assert.equal(windows.length, MAX_WINDOWS);
  assert.equal(windows[0]?.startMs, T0 + 30_000);
  assert.equal(state.alerts.length, MAX_ALERTS);
  assert.equal(state.alerts[0]?.id, `tx-${MAX_WINDOWS + 29}:low_balance`);
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
