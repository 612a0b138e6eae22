import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HIGH_FRAUD } from '../helpers/labelled-records.ts';
import { BASELINE_INCIDENTS, BASELINE_SCALE, baselineFraudRate, MIN_BASELINE_INCIDENTS, renderRealism, renderTargets, runRealism, targets } from '../../bench/realism.ts';

test('the realism report runs end to end on a small simulated stream and judges every target', () => {
  const result = runRealism({ events: 40_000, seed: 'report', accounts: 300, fraudRate: HIGH_FRAUD });
  const judged = targets(result);
  assert.deepEqual(judged.map((t) => t.what.split(' ')[0]), ['fraud', 'victims', 'normal', 'giveaway', 'random', 'random', 'depth-2']);
  const table = renderTargets(result);
  assert.equal(table.length, 2 + judged.length);
  for (const [i, t] of judged.entries()) assert.match(table[i + 2] ?? '', new RegExp(`\\| ${t.met ? 'met' : '\\*\\*not met\\*\\*'} \\|$`));
  const report = renderRealism(result).join('\n');
  for (const heading of ['# Realism of the simulated bank', '## The stream', '## Filter purity', '## Standing model baseline']) assert.ok(report.includes(heading), heading);
  assert.match(report, /\| random forest \| [01]\.\d{3} \| [01]\.\d{3} \|/);
  assert.equal(result.operatingPoints.length, 3);
  assert.equal(result.stats.records, 40_000);
});

test('a stream with too few incidents for a model gets its baseline from a larger second stream at a scaled-up fraud level', () => {
  // 30 incidents per 1,000 customers a year over the month 30,000 events of 300 accounts span: a handful.
  const result = runRealism({ events: 30_000, seed: 'scaled', accounts: 300, fraudRate: 30 });
  assert.ok(result.stats.incidents < MIN_BASELINE_INCIDENTS);
  assert.equal(result.baselineStream.scaled, true);
  // The level follows from the population and span, not from the handful of incidents; the stream is
  // BASELINE_SCALE times as large, with as many times the incidents.
  assert.equal(result.baselineStream.fraudRate, baselineFraudRate(result.stats));
  assert.ok(Number(result.baselineStream.fraudRate) > 30);
  assert.equal(result.baselineStream.accounts, 300 * BASELINE_SCALE);
  assert.equal(result.baselineStream.events, 30_000 * BASELINE_SCALE);
  assert.equal(result.baselineStream.stats.records, 30_000 * BASELINE_SCALE);
  const aim = BASELINE_INCIDENTS * BASELINE_SCALE;
  assert.ok(result.baselineStream.stats.incidents > aim / 2 && result.baselineStream.stats.incidents < aim * 1.5, `${result.baselineStream.stats.incidents} incidents`);
  const report = renderRealism(result).join('\n');
  assert.ok(report.includes(`at \`--fraud-rate ${result.baselineStream.fraudRate}\``));
  assert.ok(report.includes(`${BASELINE_SCALE} times the size (900 accounts, 90,000 events`));
  // Measured, or said why not: never a crash.
  assert.ok(result.baseline !== undefined || report.includes('**Not measured**'));
});
