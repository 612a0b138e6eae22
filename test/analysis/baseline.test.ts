import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventTable } from '../../src/analysis/event-table.ts';
import type { LabelledRecord } from '../../src/analysis/event-table.ts';
import { standingBaseline } from '../../src/analysis/baseline.ts';
import { Rng } from '../../src/bank/rng.ts';
import { record } from '../helpers/labelled-records.ts';

// 60 accounts buying with their card for 60 days; now and then one is taken over and drained at night in
// online withdrawals far above its habit, records a model on the account's past can tell apart.
function syntheticStream(): LabelledRecord[] {
  const rng = new Rng('baseline-stream');
  const records: { minute: number; r: LabelledRecord }[] = [];
  for (let a = 0; a < 60; a++) {
    const account = `CHK-${String(a).padStart(7, '0')}`;
    const median = rng.uniform(10, 80);
    for (let minute = rng.uniform(0, 600); minute < 60 * 24 * 60; minute += rng.exponential(8 * 60)) {
      records.push({ minute, r: record({ account_id: account, customer_id: `C${a}`, minute, amount: Math.round(median * Math.exp(rng.normal() * 0.5) * 100) / 100 }) });
    }
  }
  for (let k = 0; k < 40; k++) {
    const a = rng.int(0, 59);
    const start = rng.int(1, 58) * 24 * 60 + rng.int(60, 240);
    for (let step = 0; step < 3; step++) {
      const minute = start + step * 3;
      records.push({ minute, r: record({ account_id: `CHK-${String(a).padStart(7, '0')}`, customer_id: `C${a}`, minute, channel: 'online', amount: rng.int(500, 3000), label: 'account_takeover', incident: `inc-${k}` }) });
    }
  }
  return records.sort((x, y) => x.minute - y.minute).map((x) => x.r);
}

test('the standing baseline trains on the first half, scores the second, and ranks obvious fraud first', () => {
  const table = EventTable.from(syntheticStream());
  const baseline = standingBaseline(table, { trees: 15, maxDepth: 6 });
  assert.equal(baseline.splitMs, (table.timeMs[0] ?? 0) + table.spanMs / 2);
  assert.ok(baseline.testRows.length > 0);
  assert.ok(baseline.testRows.every((row) => (table.timeMs[row] ?? 0) >= baseline.splitMs));
  const trainCount = table.length - baseline.testRows.length;
  assert.equal(baseline.train.normals + baseline.train.fraud, trainCount);
  assert.ok(Number.isNaN(baseline.scoreOf(0)), 'a training row has no test score');
  const lastRow = table.length - 1;
  assert.equal(baseline.scoreOf(lastRow), baseline.forest.scores[baseline.testRows.length - 1]);
  assert.ok(baseline.forest.auc > 0.95, `AUC ${baseline.forest.auc}`);
  assert.ok(baseline.forest.ap > 0.8, `AP ${baseline.forest.ap}`);
  assert.ok(baseline.depth2.splits.length >= 3);
  const point = baseline.incidentRecallAtPrecision(0.8);
  assert.ok(point.precision >= 0.8);
  assert.ok(point.incidentRecall > 0.8, `incident recall ${point.incidentRecall}`);
  assert.equal(point.incidents, new Set(baseline.testIncident.filter((id) => id !== 0)).size);
  const reach = baseline.precisionAtIncidentRecall(point.incidentRecall);
  assert.ok(reach.incidentRecall >= point.incidentRecall);
  assert.ok(reach.precision >= point.precision, 'no threshold catching as many incidents is less precise than the best one');
  const byScenario = baseline.incidentRecallByScenario(0.8);
  assert.deepEqual(Object.keys(byScenario), ['account_takeover']);
  assert.equal(byScenario.account_takeover?.incidents, point.incidents);
  assert.equal(byScenario.account_takeover?.caught, Math.round(point.incidentRecall * point.incidents));
  const shares = baseline.forest.importance.map((f) => f.share);
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.deepEqual(shares, [...shares].sort((a, b) => b - a));
});

test('the normal rows of the training half are sampled down to maxTrainNormals, every fraud row kept', () => {
  const table = EventTable.from(syntheticStream());
  const baseline = standingBaseline(table, { trees: 3, maxDepth: 3, maxTrainNormals: 500 });
  assert.equal(baseline.train.normalsSampled, 500);
  assert.ok(baseline.train.normals > 500);
  assert.ok(baseline.train.fraud > 0);
});

test('the baseline refuses a stream with no fraud before the split', () => {
  const table = EventTable.from([record({ minute: 0 }), record({ minute: 10 }), record({ minute: 20, label: 'card_testing' })]);
  assert.throws(() => standingBaseline(table), /no fraud records before the split/);
});
