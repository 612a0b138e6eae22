import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averagePrecision, incidentRecallAtPrecision, precisionAtIncidentRecall, rocAuc } from '../../src/analysis/metrics.ts';
import { Rng } from '../../src/bank/rng.ts';

test('a perfect scorer has AUC 1 and AP 1; the reversed one AUC 0', () => {
  const fraud = [1, 1, 0, 0, 0];
  assert.equal(rocAuc({ scores: [0.9, 0.8, 0.3, 0.2, 0.1], fraud }), 1);
  assert.equal(averagePrecision({ scores: [0.9, 0.8, 0.3, 0.2, 0.1], fraud }), 1);
  assert.equal(rocAuc({ scores: [0.1, 0.2, 0.3, 0.8, 0.9], fraud }), 0);
});

test('AUC and AP on a hand-computed ranking', () => {
  // Ranked: fraud, normal, fraud, normal. Pairs fraud > normal: 3 of 4. AP = 0.5 × 1/1 + 0.5 × 2/3.
  const records = { scores: [0.9, 0.8, 0.7, 0.6], fraud: [1, 0, 1, 0] };
  assert.equal(rocAuc(records), 0.75);
  assert.ok(Math.abs(averagePrecision(records) - (0.5 + 1 / 3)) < 1e-12);
});

test('tied scores are one threshold: a constant scorer has AUC 0.5 and AP equal to the fraud share', () => {
  const records = { scores: [0.5, 0.5, 0.5, 0.5, 0.5], fraud: [1, 0, 0, 1, 0] };
  assert.equal(rocAuc(records), 0.5);
  assert.ok(Math.abs(averagePrecision(records) - 0.4) < 1e-12);
  // One tie between a fraud and a normal record counts half a pair.
  assert.equal(rocAuc({ scores: [0.9, 0.5, 0.5], fraud: [1, 1, 0] }), 0.75);
});

test('a random scorer has AUC near 0.5 and AP near the fraud share', () => {
  const rng = new Rng('random-scorer');
  const n = 40_000;
  const scores = Float64Array.from({ length: n }, () => rng.next());
  const fraud = Uint8Array.from({ length: n }, () => (rng.chance(0.1) ? 1 : 0));
  assert.ok(Math.abs(rocAuc({ scores, fraud }) - 0.5) < 0.02);
  assert.ok(Math.abs(averagePrecision({ scores, fraud }) - 0.1) < 0.02);
});

test('metrics are undefined without both classes', () => {
  assert.ok(Number.isNaN(rocAuc({ scores: [1, 2], fraud: [0, 0] })));
  assert.ok(Number.isNaN(averagePrecision({ scores: [1, 2], fraud: [0, 0] })));
});

test('incident recall at a precision: most incidents caught while the precision holds, at the highest such threshold', () => {
  // Incidents 7 (two records) and 8 (one record, ranked below two normal records).
  const records = {
    scores: [0.95, 0.9, 0.8, 0.7, 0.6, 0.5],
    fraud: [1, 1, 0, 0, 1, 0],
    incident: [7, 7, 0, 0, 8, 0],
  };
  const strict = incidentRecallAtPrecision(records, 1);
  // The first record already catches incident 7; flagging the second catches no further incident.
  assert.equal(strict.threshold, 0.95);
  assert.equal(strict.flagged, 1);
  assert.equal(strict.incidentRecall, 0.5);
  assert.equal(strict.recall, 1 / 3);
  assert.equal(strict.incidents, 2);
  const loose = incidentRecallAtPrecision(records, 0.6);
  assert.equal(loose.threshold, 0.6);
  assert.equal(loose.precision, 0.6);
  assert.equal(loose.incidentRecall, 1);
  // Precision 0.7 is out of reach once incident 8 is in: the best is incident 7 alone.
  assert.equal(incidentRecallAtPrecision(records, 0.7).incidentRecall, 0.5);
  const none = incidentRecallAtPrecision({ scores: [0.9, 0.1], fraud: [0, 1], incident: [0, 3] }, 0.9);
  assert.equal(none.threshold, Number.POSITIVE_INFINITY);
  assert.equal(none.incidentRecall, 0);
});

test('precision at an incident recall: the most precise threshold that catches that share of incidents', () => {
  // Incidents 7 (ranked first) and 8 (below two normal records, then again at the bottom).
  const records = {
    scores: [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
    fraud: [1, 0, 0, 1, 0, 0, 1],
    incident: [7, 0, 0, 8, 0, 0, 8],
  };
  const half = precisionAtIncidentRecall(records, 0.5);
  assert.equal(half.threshold, 0.95);
  assert.equal(half.precision, 1);
  const all = precisionAtIncidentRecall(records, 1);
  // Both are caught from 0.7 on (2 of 4 flagged are fraud); flagging down to 0.4 is less precise (3/7).
  assert.equal(all.threshold, 0.7);
  assert.equal(all.precision, 0.5);
  assert.equal(all.incidentRecall, 1);
  assert.equal(all.incidents, 2);
  const never = precisionAtIncidentRecall({ scores: [0.9, 0.1], fraud: [1, 0], incident: [3, 0] }, 1.1);
  assert.equal(never.threshold, Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(never.precision));
});
