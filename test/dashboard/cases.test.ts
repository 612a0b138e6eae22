// The dashboard's case queue and notifications feed: the stores, the hub's pushes, the routes, the
// Prometheus lines and the page's reducer. The Kafka side (reading bank_cases / bank_notifications and an
// account's transactions from bank_alerts) is covered by test/integration/dashboard-browser.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CaseStore } from '../../src/dashboard/case-store.ts';
import { AlertFeed, Hub } from '../../src/dashboard/hub.ts';
import { renderMetrics } from '../../src/dashboard/prometheus.ts';
import { buildDashboard } from '../../src/dashboard/server.ts';
import type { CaseDetailView, UpdateMessage } from '../../src/dashboard/views.ts';
import type { Case } from '../../src/formats/case.ts';
import { applyMessage, emptyState, MAX_CASES } from '../../src/dashboard/web/state.ts';
import { makeTestAlert, makeTestCase, waitFor } from './helpers.ts';

test('the case store keeps the highest version of each case and ignores older or repeated ones', () => {
  const store = new CaseStore(10);
  assert.equal(store.add(makeTestCase(1, { version: 2, score: 0.6 })), true);
  assert.equal(store.add(makeTestCase(1, { version: 1, score: 0.9 })), false, 'an older version (a replay) does not replace a newer one');
  assert.equal(store.add(makeTestCase(1, { version: 2, score: 0.9 })), false, 'the same version again is a duplicate');
  assert.equal(store.get('case:ACC-1:tx-1')?.score, 0.6);
  assert.equal(store.add(makeTestCase(1, { version: 3, score: 0.95, rules: ['velocity', 'outflow'] })), true);
  assert.deepEqual(store.get('case:ACC-1:tx-1')?.rules, ['velocity', 'outflow']);
  assert.equal(store.size, 1);
});

test('the queue puts open cases first, then the highest score, then the most recently updated', () => {
  const store = new CaseStore(10);
  store.add(makeTestCase(1, { score: 0.7 }));
  store.add(makeTestCase(2, { score: 0.95 }));
  store.add(makeTestCase(3, { score: 0.7 })); // same score as 1, updated later
  // A status other than open (a later processor may close cases) goes below every open one.
  store.add(makeTestCase(4, { score: 0.99, status: 'closed' as 'open' }));
  assert.deepEqual(store.queue(10).map((c) => c.account_id), ['ACC-2', 'ACC-3', 'ACC-1', 'ACC-4']);
  assert.deepEqual(store.queue(2).map((c) => c.account_id), ['ACC-2', 'ACC-3']);
  assert.deepEqual(store.counts().sort((a, b) => a.status.localeCompare(b.status)), [
    { severity: 'HIGH', status: 'closed', cases: 1 },
    { severity: 'HIGH', status: 'open', cases: 3 },
  ]);
});

test('past its capacity the store forgets the case that changed longest ago', () => {
  const store = new CaseStore(3);
  for (const i of [1, 2, 3]) store.add(makeTestCase(i));
  store.add(makeTestCase(1, { version: 2 })); // 1 changed last: 2 is now the oldest
  store.add(makeTestCase(4));
  assert.equal(store.size, 3);
  assert.equal(store.get('case:ACC-2:tx-2'), undefined);
  assert.ok(store.get('case:ACC-1:tx-1') && store.get('case:ACC-3:tx-3') && store.get('case:ACC-4:tx-4'));
  assert.throws(() => new CaseStore(0), RangeError);
});

test("related cases: those on the case's linked accounts and those that name its account, in queue order", () => {
  const store = new CaseStore(10);
  const victim = makeTestCase(1, { linked_accounts: ['ACC-2', 'ACC-9'], score: 0.7 }); // paid ACC-2 and ACC-9
  store.add(victim);
  store.add(makeTestCase(2, { score: 0.6 })); // the mule that received it: a case on a linked account
  store.add(makeTestCase(3, { linked_accounts: ['ACC-1'], score: 0.9 })); // a case that names the victim's account
  store.add(makeTestCase(4, { linked_accounts: ['ACC-5'] })); // unrelated
  store.add(makeTestCase(1, { case_id: 'case:ACC-1:tx-later', linked_accounts: ['ACC-1'] })); // the same account's other case: not "related" by naming itself
  const related = store.related(victim, 10);
  assert.deepEqual(related.map((r) => [r.case.account_id, r.relation]), [['ACC-3', 'names this account'], ['ACC-2', 'counterparty']]);
  assert.deepEqual(store.related(victim, 1).map((r) => r.case.account_id), ['ACC-3']);
  // Both ways: the mule's case names the victim too.
  store.add(makeTestCase(2, { version: 2, score: 0.6, linked_accounts: ['ACC-1'] }));
  assert.equal(store.related(victim, 10).find((r) => r.case.account_id === 'ACC-2')?.relation, 'both');
  // And from the mule's side, the victim's case is related.
  assert.deepEqual(store.related(store.get('case:ACC-2:tx-2') as Case, 10).map((r) => r.case.account_id), ['ACC-1', 'ACC-1']);
});

test('the alert feed finds alerts by id and by account, and forgets them with the ring', () => {
  const feed = new AlertFeed(3);
  for (const i of [1, 2, 3]) feed.add(makeTestAlert(i, { account_id: i === 2 ? 'ACC-B' : 'ACC-A' }));
  assert.equal(feed.get('tx-2:low_balance')?.account_id, 'ACC-B');
  assert.deepEqual(feed.forAccount('ACC-A', 10).map((a) => a.id), ['tx-3:low_balance', 'tx-1:low_balance']);
  assert.deepEqual(feed.forAccount('ACC-A', 1).map((a) => a.id), ['tx-3:low_balance']);
  feed.add(makeTestAlert(4, { account_id: 'ACC-A' }));
  assert.equal(feed.get('tx-1:low_balance'), undefined);
  assert.deepEqual(feed.forAccount('ACC-A', 10).map((a) => a.id), ['tx-4:low_balance', 'tx-3:low_balance']);
});

test('the hub pushes changed cases once, as they are now, and new notifications newest first', async () => {
  const hub = new Hub({ minPushIntervalMs: 10 });
  const updates: UpdateMessage[] = [];
  hub.subscribe((m) => updates.push(m));
  hub.addCase(makeTestCase(1));
  hub.addCase(makeTestCase(1, { version: 2, score: 0.9 }));
  hub.addCase(makeTestCase(1, { version: 1 })); // a replay: nothing to push
  hub.addNotification(makeTestAlert(1, { rule: 'low_balance' as never }));
  hub.addNotification(makeTestAlert(2, { id: 'tx-2:overdraft', rule: 'overdraft' as never, severity: 'CRITICAL' }));
  hub.addNotification(makeTestAlert(1, { rule: 'low_balance' as never })); // duplicate id
  await waitFor('an update', () => updates.length > 0);
  const u = updates[0] as UpdateMessage;
  assert.deepEqual(u.cases.map((c) => [c.case_id, c.version]), [['case:ACC-1:tx-1', 2]]);
  assert.deepEqual(u.notifications.map((n) => n.id), ['tx-2:overdraft', 'tx-1:low_balance']);
  assert.deepEqual(u.alerts, []);
  const snapshot = hub.snapshot();
  assert.deepEqual(snapshot.cases.map((c) => c.version), [2]);
  assert.equal(snapshot.notifications.length, 2);
  assert.deepEqual(hub.notificationsByRule, { low_balance: 1, overdraft: 1 });
  const metrics = renderMetrics(hub);
  assert.match(metrics, /^buzzline_cases\{severity="HIGH",status="open"\} 1$/m);
  assert.match(metrics, /^buzzline_notifications_total\{rule="overdraft"\} 1$/m);
  assert.match(metrics, /^buzzline_dashboard_records_read_total\{topic="cases"\} 0$/m);
  hub.close();
});

test('/api/cases, /api/cases/:id and /api/notifications', async () => {
  const hub = new Hub();
  const app = buildDashboard({ hub, staticDir: null });
  try {
    const a1 = makeTestAlert(1, { account_id: 'ACC-7', timestamp: '2025-01-15T09:00:05.000Z', explanation: 'second' });
    const a0 = makeTestAlert(0, { account_id: 'ACC-7', timestamp: '2025-01-15T09:00:01.000Z', explanation: 'first' });
    hub.addAlert(a1);
    hub.addAlert(a0);
    hub.addCase(makeTestCase(7, { score: 0.6, alert_ids: [a1.id, a0.id, 'gone:velocity'] }));
    hub.addCase(makeTestCase(8, { score: 0.97 }));
    hub.addNotification(makeTestAlert(5));

    const list = (await app.inject({ url: '/api/cases?limit=5' })).json() as { total: number; cases: Array<{ account_id: string }> };
    assert.equal(list.total, 2);
    assert.deepEqual(list.cases.map((c) => c.account_id), ['ACC-8', 'ACC-7']);
    assert.equal((await app.inject({ url: '/api/cases?limit=0' })).statusCode, 400);

    // Case ids hold colons: the page encodes them.
    const res = await app.inject({ url: `/api/cases/${encodeURIComponent('case:ACC-7:tx-7')}` });
    assert.equal(res.statusCode, 200);
    const detail = res.json() as CaseDetailView;
    assert.equal(detail.case.account_id, 'ACC-7');
    assert.deepEqual(detail.alerts.map((a) => a.explanation), ['first', 'second'], 'oldest first');
    assert.deepEqual(detail.missingAlertIds, ['gone:velocity']);
    assert.deepEqual(detail.related, [], 'no case shares money with it');
    hub.addCase(makeTestCase(9, { linked_accounts: ['ACC-7'] }));
    const withRelated = (await app.inject({ url: `/api/cases/${encodeURIComponent('case:ACC-7:tx-7')}` })).json() as CaseDetailView;
    assert.deepEqual(withRelated.related.map((r) => [r.case.case_id, r.relation]), [['case:ACC-9:tx-9', 'names this account']]);
    // Without a broker connection (buildDashboard alone) the view says transactions are not read.
    assert.deepEqual(detail.transactions.items, []);
    assert.match(detail.transactions.error ?? '', /not read/);

    const missing = await app.inject({ url: '/api/cases/nope' });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json<{ error: string }>().error, /no such case/);

    const notes = (await app.inject({ url: '/api/notifications?limit=1' })).json() as { notifications: Array<{ id: string }> };
    assert.deepEqual(notes.notifications.map((n) => n.id), ['tx-5:low_balance']);
    assert.equal((await app.inject({ url: '/api/notifications?limit=100000' })).statusCode, 400);
  } finally {
    await app.close();
    hub.close();
  }
});

test('the page keeps the queue in order, takes newer versions only, and caps cases and notifications', () => {
  const hub = new Hub();
  hub.addCase(makeTestCase(1, { score: 0.5 }));
  hub.addNotification(makeTestAlert(1));
  const state = emptyState();
  applyMessage(state, hub.snapshot());
  const base = { type: 'update' as const, seq: 2, series: [], alerts: [], droppedAlerts: 0, summary: hub.summary(), topics: null, groups: null };
  hub.close();
  assert.deepEqual(state.cases.map((c) => c.account_id), ['ACC-1']);
  applyMessage(state, { ...base, cases: [makeTestCase(2, { score: 0.9 }), makeTestCase(1, { version: 2, score: 0.95 })], notifications: [makeTestAlert(2)] });
  assert.deepEqual(state.cases.map((c) => [c.account_id, c.version]), [['ACC-1', 2], ['ACC-2', 1]]);
  assert.deepEqual(state.notifications.map((n) => n.id), ['tx-2:low_balance', 'tx-1:low_balance']);
  applyMessage(state, { ...base, cases: [makeTestCase(1, { version: 1, score: 0.1 })], notifications: [makeTestAlert(2)] });
  assert.deepEqual(state.cases.map((c) => [c.account_id, c.version]), [['ACC-1', 2], ['ACC-2', 1]], 'an older version is ignored');
  assert.equal(state.notifications.length, 2, 'a repeated notification is shown once');
  applyMessage(state, { ...base, cases: Array.from({ length: MAX_CASES + 20 }, (_, i) => makeTestCase(100 + i, { score: 0.6 })), notifications: [] });
  assert.equal(state.cases.length, MAX_CASES);
  assert.deepEqual(state.cases.slice(0, 2).map((c) => c.account_id), ['ACC-1', 'ACC-2']);
});
