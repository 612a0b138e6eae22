import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HIGH_FRAUD } from '../helpers/labelled-records.ts';
import { MIN_BASELINE_INCIDENTS, renderRealism, renderTargets, runRealism, targets } from '../../bench/realism.ts';

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

test('a stream with too few incidents for a model gets its baseline from a second stream at a scaled-up fraud level', () => {
  // 30 incidents per 1,000 customers a year over the month 30,000 events of 300 accounts span: a handful.
  const result = runRealism({ events: 30_000, seed: 'scaled', accounts: 300, fraudRate: 30 });
  assert.ok(result.stats.incidents < MIN_BASELINE_INCIDENTS);
  assert.equal(result.baselineStream.scaled, true);
  assert.ok(Number(result.baselineStream.fraudRate) > 30);
  assert.equal(result.baselineStream.stats.records, 30_000);
  assert.ok(result.baselineStream.stats.incidents > result.stats.incidents);
  const report = renderRealism(result).join('\n');
  assert.ok(report.includes(`at \`--fraud-rate ${result.baselineStream.fraudRate}\``));
  // Measured, or said why not: never a crash.
  assert.ok(result.baseline !== undefined || report.includes('**Not measured**'));
});
