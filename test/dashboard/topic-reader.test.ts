// The dashboard against the embedded broker: history rebuild on start and after a restart, live records,
// bad records, topics created after the dashboard started, the topic overview, and the case queue and
// notifications from bank_cases and bank_notifications.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { TOPICS } from '../../src/bank/transaction.ts';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/server.ts';
import type { SummaryView, TopicsView, WindowView } from '../../src/dashboard/views.ts';
import { startBroker, type TestBroker } from '../helpers/broker.ts';
import { caseJson } from '../../src/formats/case.ts';
import { CASES_TOPIC, NOTIFICATIONS_TOPIC } from '../../src/processor/consumer.ts';
import { T0, makeTestAlert, makeTestCase, makeWindow, waitFor } from './helpers.ts';

let tb: TestBroker;
let producer: Producer<string, string, string, string>;
const dashboards: RunningDashboard[] = [];

before(async () => {
  tb = await startBroker({ defaultPartitions: 2 });
  producer = new Producer({ clientId: 'dashboard-test', bootstrapBrokers: [tb.bootstrap], serializers: stringSerializers, autocreateTopics: true });
});
after(async () => {
  for (const d of dashboards) await d.close();
  await producer.close();
  await tb.stop();
});

async function start(options: { metricsHistoryRecords?: number; alertsHistoryRecords?: number } = {}): Promise<RunningDashboard> {
  const d = await startDashboard({ brokers: [tb.bootstrap], port: 0, staticDir: null, clusterPollMs: 300, ...options });
  dashboards.push(d);
  return d;
}

async function get<T>(d: RunningDashboard, path: string): Promise<T> {
  const res = await fetch(new URL(path, d.url));
  assert.equal(res.status, 200, path);
  return (await res.json()) as T;
}

// Window i of source partition p: i + 1 deposits of 1.00, so totals identify exactly which were read.
function windowRecord(p: number, i: number) {
  const w = makeWindow(p, T0 + i * 1000, Array.from({ length: i + 1 }, () => ({ type: 'deposit' as const, cents: 100 })));
  return { topic: TOPICS.metrics, partition: p, key: String(p), value: JSON.stringify([w]) };
}

test('history is rebuilt from the last records of each partition, then live records follow', async () => {
  // 30 windows per partition; the dashboard re-reads the last 10 of each.
  await producer.send({ messages: [0, 1].flatMap((p) => Array.from({ length: 30 }, (_, i) => windowRecord(p, i))) });
  await producer.send({
    messages: [
      ...Array.from({ length: 12 }, (_, i) => ({ topic: TOPICS.alerts, partition: i % 2, key: 'k', value: JSON.stringify(makeTestAlert(i)) })),
      { topic: TOPICS.alerts, partition: 0, key: 'k', value: '{"not":"an alert"}' },
    ],
  });
  const d = await start({ metricsHistoryRecords: 10, alertsHistoryRecords: 4 });
  const expectedRecords = 2 * [20, 21, 22, 23, 24, 25, 26, 27, 28, 29].reduce((n, i) => n + i + 1, 0);
  const summary = await waitFor('history', async () => {
    const s = await get<SummaryView>(d, '/api/summary');
    return s.reader.windowsRead === 20 && s.reader.alertsRead + s.reader.invalidRecords === 8 ? s : null;
  });
  assert.equal(summary.totals.records, expectedRecords);
  assert.equal(summary.totals.sinceMs, T0 + 20_000);
  assert.equal(summary.reader.invalidRecords, 1);
  assert.deepEqual(summary.totals.partitions, [0, 1]);
  const alerts = await get<{ alerts: Array<{ id: string }> }>(d, '/api/alerts?limit=100');
  assert.equal(alerts.alerts.length, 7);
  const { windows } = await get<{ windows: WindowView[] }>(d, '/api/windows');
  assert.deepEqual(windows.map((w) => [w.startMs - T0, w.partitions]), Array.from({ length: 10 }, (_, i) => [(20 + i) * 1000, 2]));

  // Live: a new window and a re-sent (superset) window for second 29 of partition 0.
  const resent = makeWindow(0, T0 + 29_000, Array.from({ length: 31 }, () => ({ type: 'withdraw' as const, cents: 1 })));
  await producer.send({ messages: [windowRecord(1, 30), { topic: TOPICS.metrics, partition: 0, key: '0', value: JSON.stringify([resent]) }] });
  const live = await waitFor('live windows', async () => {
    const s = await get<SummaryView>(d, '/api/summary');
    return s.reader.windowsRead === 22 ? s : null;
  });
  assert.equal(live.totals.records, expectedRecords + 31 + 1);
  assert.equal(live.totals.byType.withdraw?.count, 31);
});

test('a restarted dashboard shows the same recent history at once', async () => {
  const first = dashboards[0];
  assert.ok(first);
  const before = await get<SummaryView>(first, '/api/summary');
  await first.close();
  const second = await start({ metricsHistoryRecords: 10, alertsHistoryRecords: 4 });
  const after = await waitFor('rebuilt', async () => {
    const s = await get<SummaryView>(second, '/api/summary');
    return s.reader.windowsRead >= 20 ? s : null;
  });
  // The last 10 records of each partition: partition 0 holds windows 21..28 (22..29 deposits) and the
  // re-sent window 29 (31 withdrawals); partition 1 holds windows 21..30 (22..31 deposits).
  assert.equal(after.totals.records, 204 + 31 + 265);
  assert.equal(after.totals.untilMs, before.totals.untilMs);
  const { windows } = await get<{ windows: WindowView[] }>(second, '/api/windows');
  assert.deepEqual(windows.map((w) => (w.startMs - T0) / 1000), [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
  assert.equal(windows.find((w) => w.startMs === T0 + 29_000)?.byType.withdraw?.count, 31);
});

test('topics that do not exist yet are waited for, and the overview lists brokers and topics', async () => {
  const tb2 = await startBroker({ defaultPartitions: 1 });
  const d = await startDashboard({ brokers: [tb2.bootstrap], port: 0, staticDir: null, clusterPollMs: 200 });
  try {
    await waitFor('waiting message', async () => (await get<SummaryView>(d, '/api/summary')).reader.error?.includes('waiting for topics'));
    const admin = new Admin({ clientId: 'dashboard-test-admin', bootstrapBrokers: [tb2.bootstrap] });
    await admin.createTopics({ topics: [TOPICS.metrics, TOPICS.alerts], partitions: 3 });
    await admin.close();
    const p2 = new Producer({ clientId: 'dashboard-test-2', bootstrapBrokers: [tb2.bootstrap], serializers: stringSerializers });
    await p2.send({ messages: [{ topic: TOPICS.metrics, partition: 2, key: '2', value: JSON.stringify([makeWindow(2, T0, [{ type: 'withdraw', cents: 5 }])]) }, { topic: TOPICS.alerts, partition: 1, key: 'a', value: JSON.stringify(makeTestAlert(1)) }] });
    await p2.close();
    const s = await waitFor('records from new topics', async () => {
      const x = await get<SummaryView>(d, '/api/summary');
      return x.reader.windowsRead === 1 && x.reader.alertsRead === 1 ? x : null;
    }, 20_000);
    assert.equal(s.reader.error, null);
    const topics = await waitFor('topic overview', async () => {
      const t = await get<TopicsView>(d, '/api/topics');
      return t.topics.find((x) => x.name === TOPICS.metrics)?.messages === '1' ? t : null;
    });
    assert.equal(topics.error, null);
    assert.equal(topics.brokers.length, 1);
    assert.equal(topics.brokers[0]?.port, Number(tb2.bootstrap.split(':').at(-1)));
    const metrics = topics.topics.find((x) => x.name === TOPICS.metrics);
    assert.deepEqual(metrics?.partitions.map((p) => [p.partition, p.earliest, p.latest]), [[0, '0', '0'], [1, '0', '0'], [2, '0', '1']]);
  } finally {
    await d.close();
    await tb2.stop();
  }
});

test('cases (the highest version of each, also after a restart) and notifications are read from their topics', async () => {
  const c1 = makeTestCase(1, { score: 0.6 });
  await producer.send({
    messages: [
      { topic: CASES_TOPIC, partition: 0, key: c1.account_id, value: caseJson(c1).toString() },
      { topic: CASES_TOPIC, partition: 0, key: c1.account_id, value: caseJson({ ...c1, version: 2, score: 0.9, rules: ['velocity', 'outflow'] }).toString() },
      // A processor replaying after a crash publishes version 1 again, after version 2.
      { topic: CASES_TOPIC, partition: 0, key: c1.account_id, value: caseJson(c1).toString() },
      { topic: CASES_TOPIC, partition: 1, key: 'ACC-2', value: caseJson(makeTestCase(2, { score: 0.7 })).toString() },
      { topic: CASES_TOPIC, partition: 1, key: 'ACC-2', value: '{"case_id":"not a case"}' },
      { topic: NOTIFICATIONS_TOPIC, partition: 0, key: 'k', value: JSON.stringify(makeTestAlert(40)) },
      { topic: NOTIFICATIONS_TOPIC, partition: 1, key: 'k', value: JSON.stringify(makeTestAlert(41)) },
    ],
  });
  const expectQueue = async (d: RunningDashboard) => {
    await waitFor('cases and notifications', async () => {
      const s = await get<SummaryView>(d, '/api/summary');
      return s.reader.casesRead === 4 && s.reader.notificationsRead === 2;
    });
    const { cases } = await get<{ cases: Array<{ account_id: string; version: number; score: number }> }>(d, '/api/cases');
    assert.deepEqual(cases.map((c) => [c.account_id, c.version, c.score]), [['ACC-1', 2, 0.9], ['ACC-2', 1, 0.7]]);
    const { notifications } = await get<{ notifications: Array<{ id: string }> }>(d, '/api/notifications');
    assert.deepEqual(notifications.map((n) => n.id).sort(), ['tx-40:low_balance', 'tx-41:low_balance']);
  };
  const first = await start();
  await expectQueue(first);
  await first.close();
  await expectQueue(await start());
});
