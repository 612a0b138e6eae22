import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { Hub } from '../../src/dashboard/hub.ts';
import { buildDashboard, CONTENT_SECURITY_POLICY } from '../../src/dashboard/server.ts';
import type { GroupsView, SummaryView, TopicsView } from '../../src/dashboard/views.ts';
import { emptyQuality } from '../../src/processor/quality.ts';
import { tempDir } from '../helpers/broker.ts';
import { T0, makeTestAlert, makeWindow } from './helpers.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function setup(staticDir: string | null = null) {
  const hub = new Hub();
  const app = buildDashboard({ hub, staticDir });
  return { hub, app };
}

const TOPICS: TopicsView = {
  updatedAtMs: T0,
  clusterId: 'cluster-1',
  controllerId: 1,
  brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092 }],
  topics: [{ name: 'bank_alerts', messages: '30', partitions: [{ partition: 0, leader: 1, earliest: '0', latest: '10', messages: '10' }, { partition: 1, leader: 1, earliest: '5', latest: '25', messages: '20' }], ratePerSec: 12.5 }],
  error: null,
};

const GROUPS: GroupsView = {
  updatedAtMs: T0,
  groups: [{
    groupId: 'banking-"consumer"\\group',
    state: 'STABLE',
    protocol: 'roundrobin',
    members: 1,
    totalLag: '7',
    ratePerSec: 4,
    partitions: [{ topic: 'bank_alerts', partition: 0, committed: '3', latest: '10', lag: '7', owner: 'proc-1' }],
  }],
  error: null,
};

test('/api/summary returns merged totals, throughput and no quality without labels', async () => {
  const { hub, app } = setup();
  hub.addWindow(makeWindow(0, T0, [{ type: 'deposit', cents: 1_000 }, { type: 'withdraw', cents: 300, alerts: [['low_balance', 'HIGH']] }]));
  hub.addWindow(makeWindow(1, T0, [{ type: 'deposit', cents: 2_000 }]));
  const res = await app.inject({ method: 'GET', url: '/api/summary' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json<SummaryView>();
  assert.equal(body.totals.records, 3);
  assert.equal(body.totals.throughputPerSec, 3);
  assert.deepEqual(body.totals.byType.deposit, { count: 2, sumCents: 3_000, minCents: 1_000, maxCents: 2_000 });
  assert.deepEqual(body.totals.alertsBySeverity, { HIGH: 1 });
  assert.equal(body.quality, null);
  assert.deepEqual(body.reader, { windowsRead: 0, alertsRead: 0, casesRead: 0, notificationsRead: 0, detectionFactsRead: 0, invalidRecords: 0, lastRecordAtMs: null, error: null });
  await app.close();
  hub.close();
});

test('/api/summary reports precision and recall once labelled records were counted', async () => {
  const { hub, app } = setup();
  const q = emptyQuality();
  q.labeled = 10;
  q.positives = 4;
  q.episodes = 2;
  q.byRule.velocity = { tp: 3, fp: 1, detected: 1, ttdSumMs: 2_000, ttdMaxMs: 2_000 };
  hub.addWindow(makeWindow(0, T0, [{ type: 'withdraw', cents: 1, quality: q }]));
  const body = (await app.inject('/api/summary')).json<SummaryView>();
  assert.ok(body.quality);
  assert.equal(body.quality.episodes, 2);
  assert.equal(body.quality.byRule.velocity.precision, 0.75);
  assert.equal(body.quality.byRule.velocity.recall, 0.5);
  assert.equal(body.quality.byRule.velocity.meanTtdMs, 2_000);
  assert.equal(body.quality.byRule.drain.precision, null);
  await app.close();
  hub.close();
});

test('/api/alerts returns the newest alerts first, de-duplicated, and validates limit', async () => {
  const { hub, app } = setup();
  for (let i = 0; i < 80; i++) hub.addAlert(makeTestAlert(i));
  hub.addAlert(makeTestAlert(79)); // a replayed alert keeps its id and is shown once
  const all = (await app.inject('/api/alerts')).json<{ alerts: Array<{ id: string }> }>();
  assert.equal(all.alerts.length, 50);
  assert.equal(all.alerts[0]?.id, 'tx-79:low_balance');
  assert.equal(all.alerts[49]?.id, 'tx-30:low_balance');
  const three = (await app.inject('/api/alerts?limit=3')).json<{ alerts: Array<{ id: string }> }>();
  assert.deepEqual(three.alerts.map((a) => a.id), ['tx-79:low_balance', 'tx-78:low_balance', 'tx-77:low_balance']);
  for (const bad of ['0', '-1', 'abc', '1.5', '100000']) {
    const res = await app.inject(`/api/alerts?limit=${bad}`);
    assert.equal(res.statusCode, 400, `limit=${bad}`);
  }
  await app.close();
  hub.close();
});

test('/api/windows, /api/topics and /api/groups return what the hub holds', async () => {
  const { hub, app } = setup();
  for (let i = 0; i < 5; i++) hub.addWindow(makeWindow(0, T0 + i * 1000, [{ type: 'deposit', cents: 100 * (i + 1) }]));
  hub.setTopics(TOPICS);
  hub.setGroups(GROUPS);
  const windows = (await app.inject('/api/windows?limit=2')).json<{ windows: Array<{ startMs: number; byType: { deposit: { avgCents: number } } }> }>();
  assert.deepEqual(windows.windows.map((w) => [w.startMs, w.byType.deposit.avgCents]), [[T0 + 3000, 400], [T0 + 4000, 500]]);
  assert.deepEqual((await app.inject('/api/topics')).json(), TOPICS);
  assert.deepEqual((await app.inject('/api/groups')).json(), GROUPS);
  await app.close();
  hub.close();
});

test('/metrics is Prometheus text with escaped label values', async () => {
  const { hub, app } = setup();
  hub.addWindow(makeWindow(0, T0, [{ type: 'deposit', cents: 1 }, { type: 'withdraw', cents: 1, alerts: [['overdraft', 'CRITICAL']] }], ['bad_json']));
  hub.setTopics(TOPICS);
  hub.setGroups(GROUPS);
  const res = await app.inject('/metrics');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const text = res.body;
  assert.match(text, /^# HELP buzzline_transactions_total /m);
  assert.match(text, /^# TYPE buzzline_transactions_total counter$/m);
  assert.match(text, /^buzzline_transactions_total\{type="deposit"\} 1$/m);
  assert.match(text, /^buzzline_alerts_total\{severity="CRITICAL"\} 1$/m);
  assert.match(text, /^buzzline_dlq_total\{reason="bad_json"\} 1$/m);
  assert.match(text, /^buzzline_topic_partition_latest_offset\{topic="bank_alerts",partition="1"\} 25$/m);
  assert.match(text, /^buzzline_topic_messages_per_second\{topic="bank_alerts"\} 12.5$/m);
  assert.match(text, /^buzzline_consumer_group_records_per_second\{group="banking-\\"consumer\\"\\\\group"\} 4$/m);
  assert.ok(text.includes('buzzline_consumer_group_lag{group="banking-\\"consumer\\"\\\\group",topic="bank_alerts",partition="0"} 7\n'), text);
  // Every sample line is `name{labels} value` or `name value`.
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('#')) continue;
    assert.match(line, /^[a-z_]+(\{.*\})? [-+0-9.eE]+$|^[a-z_]+(\{.*\})? (NaN|[+-]Inf)$/, line);
  }
  await app.close();
  hub.close();
});

test('every response carries the strict Content-Security-Policy and companions', async () => {
  const { hub, app } = setup();
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'/);
  assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
  for (const url of ['/api/summary', '/metrics', '/nope', '/api/alerts?limit=0', '/']) {
    const res = await app.inject(url);
    assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY, url);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
    assert.equal(res.headers['x-frame-options'], 'DENY', url);
  }
  await app.close();
  hub.close();
});

test('without a built page, / explains how to build it; with one, the page and its assets are served', async () => {
  const empty = tempDir('buzzline-dash-');
  dirs.push(empty);
  const missing = setup(path.join(empty, 'nothing-here'));
  const res = await missing.app.inject('/');
  assert.equal(res.statusCode, 503);
  assert.match(res.body, /npm run build:web/);
  await missing.app.close();
  missing.hub.close();

  const dir = tempDir('buzzline-dash-');
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title><script type="module" src="/assets/app-1.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets', 'app-1.js'), 'export {};');
  const built = setup(dir);
  const page = await built.app.inject('/');
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.equal(page.headers['cache-control'], 'no-cache');
  assert.equal(page.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  const asset = await built.app.inject('/assets/app-1.js');
  assert.equal(asset.statusCode, 200);
  assert.match(String(asset.headers['cache-control']), /immutable/);
  assert.equal(asset.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.equal((await built.app.inject('/../package.json')).statusCode, 404);
  await built.app.close();
  built.hub.close();
});
