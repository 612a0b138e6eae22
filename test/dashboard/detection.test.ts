// The dashboard's detection-quality figures from detection facts: /api/detection, /api/summary and the
// Prometheus lines, and what they say without labelled data. The Kafka side (facts read from bank_metrics,
// a processor killed mid-run) is covered by test/integration/detection-quality.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hub } from '../../src/dashboard/hub.ts';
import { buildDashboard } from '../../src/dashboard/server.ts';
import type { DetectionView, SummaryView } from '../../src/dashboard/views.ts';
import type { DetectionFacts } from '../../src/formats/detection.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 6);

// A partition's facts at one record; the summary fields as a processor with a one-hour warm-up says them.
function facts(partition: number, offset: number, atMs: number, over: Partial<DetectionFacts> = {}): DetectionFacts {
  return { kind: 'detection', partition, offset: String(offset), firstMs: T0, lastMs: atMs, warmupMs: 3_600_000, accounts: 500, atMs, warm: atMs >= T0 + 3_600_000, incident: null, cases: [], ...over };
}

test('without detection facts the API and the metrics say detection quality needs labelled data', async () => {
  const hub = new Hub();
  const app = buildDashboard({ hub, staticDir: null });
  const res = await app.inject({ method: 'GET', url: '/api/detection' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { detection: null, note: 'Detection quality needs labelled (simulated) data: records with the simulator\'s sim-label and sim-incident headers.' });
  assert.equal(res.json<{ detection: null }>().detection, null);
  assert.equal((await app.inject({ method: 'GET', url: '/api/summary' })).json<SummaryView>().detection, null);
  assert.doesNotMatch((await app.inject({ method: 'GET', url: '/metrics' })).body, /buzzline_detection_incident_recall/);
  await app.close();
});

test('facts of two partitions merge into incident and case figures, a repeat changes nothing', async () => {
  const hub = new Hub();
  const app = buildDashboard({ hub, staticDir: null });
  const h = (n: number) => T0 + 2 * 3_600_000 + n * 60_000;
  const all: DetectionFacts[] = [
    // Incident A: victim side in partition 0 (100 out before the case, 300 after), mule side in 1 (200 out after).
    facts(0, 10, h(0), { incident: { id: 'inc:A', scenario: 'account_takeover', outflowCents: 100_00 } }),
    facts(1, 4, h(1), { incident: { id: 'inc:A', scenario: 'account_takeover', outflowCents: 0 } }),
    facts(0, 11, h(2), { incident: { id: 'inc:A', scenario: 'account_takeover', outflowCents: 0 }, cases: [{ id: 'case:1', version: 1, score: 0.8, fraud: true, hits: ['inc:A'] }] }),
    facts(0, 12, h(3), { incident: { id: 'inc:A', scenario: 'account_takeover', outflowCents: 300_00 } }),
    facts(1, 5, h(4), { incident: { id: 'inc:A', scenario: 'account_takeover', outflowCents: 200_00 } }),
    // Incident B, never detected; a false case in partition 1.
    facts(1, 6, h(5), { incident: { id: 'inc:B', scenario: 'card_testing', outflowCents: 50_00 } }),
    facts(1, 7, h(6), { cases: [{ id: 'case:2', version: 1, score: 0.6, fraud: false, hits: [] }] }),
    // The partitions' last summaries, a day later.
    facts(0, 99, T0 + DAY + 3_600_000),
    facts(1, 99, T0 + DAY + 3_600_000),
  ];
  for (const f of [...all, ...all.slice(0, 5)]) hub.addDetection(f);
  const { detection } = (await app.inject({ method: 'GET', url: '/api/detection' })).json<{ detection: DetectionView }>();
  const t = detection.table;
  assert.deepEqual([t.incidents, t.detected, t.recall], [2, 1, 0.5]);
  assert.deepEqual([t.cases, t.truePositiveCases, t.casePrecision, t.top100Precision], [2, 1, 0.5, 0.5]);
  assert.equal(t.valueDetected, (300_00 + 200_00) / (100_00 + 300_00 + 200_00 + 50_00));
  assert.equal(t.medianTtdMs, 2 * 60_000);
  assert.equal(t.accounts, 1000);
  assert.equal(t.days, 1);
  assert.equal(t.casesPerThousandAccountsPerDay, 2);
  assert.deepEqual(t.byScenario.account_takeover, { incidents: 1, detected: 1, recall: 1, valueDetected: 500 / 600, medianTtdMs: 120_000 });
  assert.deepEqual(detection.partitions, [0, 1]);
  assert.equal(detection.partial, false);
  assert.equal(detection.warmUntilMs, T0 + 3_600_000);
  assert.deepEqual((await app.inject({ method: 'GET', url: '/api/summary' })).json<SummaryView>().detection, detection);

  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(metrics, /^buzzline_detection_incident_recall\{scenario="all"\} 0\.5$/m);
  assert.match(metrics, /^buzzline_detection_incident_recall\{scenario="card_testing"\} 0$/m);
  assert.match(metrics, /^buzzline_detection_median_time_to_detect_seconds\{scenario="account_takeover"\} 120$/m);
  assert.match(metrics, /^buzzline_detection_cases_per_thousand_accounts_per_day 2$/m);
  assert.match(metrics, /^buzzline_detection_top100_precision 0\.5$/m);
  await app.close();
});

test('figures from a history that does not start at the beginning of bank_metrics say they are partial', () => {
  const hub = new Hub();
  hub.addDetection(facts(0, 5, T0 + 2 * 3_600_000, { incident: { id: 'inc:1', scenario: 'card_testing', outflowCents: 10_00 } }));
  assert.equal(hub.detectionSummary()?.partial, false);
  hub.detectionHistoryCut();
  assert.equal(hub.detectionSummary()?.partial, true);
});

test('incidents and cases of the warm-up are not scored', () => {
  const hub = new Hub();
  hub.addDetection(facts(0, 1, T0 + 60_000, { incident: { id: 'inc:early', scenario: 'card_testing', outflowCents: 10_00 }, cases: [{ id: 'case:early', version: 1, score: 0.9, fraud: true, hits: ['inc:early'] }] }));
  hub.addDetection(facts(0, 2, T0 + 2 * 3_600_000, { incident: { id: 'inc:early', scenario: 'card_testing', outflowCents: 10_00 } }));
  const t = hub.detectionSummary()?.table;
  assert.deepEqual([t?.incidents, t?.cases, t?.recall], [0, 0, null]);
});
