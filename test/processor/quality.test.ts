import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuleName } from '../../src/processor/alert.ts';
import { QualityTracker, addQuality, emptyQuality, summarizeQuality } from '../../src/processor/quality.ts';
import { T0 } from './helpers.ts';

type Step = [account: string, sec: number, label: string | null, rules: RuleName[]];

function run(steps: Step[]) {
  const tracker = new QualityTracker();
  const summed = emptyQuality();
  const deltas = steps.map(([account, sec, label, rules]) => tracker.observe(account, T0 + sec * 1000, label, null, rules));
  for (const d of deltas) if (d) addQuality(summed, d);
  return { tracker, summed, deltas };
}

test('precision, recall and time to detect follow the documented definitions', () => {
  const { tracker, summed, deltas } = run([
    ['A', 0, 'normal', []],
    ['A', 10, 'account_takeover', []], // episode 1 starts
    ['A', 12, 'account_takeover', ['velocity']], // detected by velocity after 2 s
    ['A', 15, 'account_takeover', ['velocity', 'drain']], // drain detects after 5 s; velocity tp again
    ['A', 20, 'normal', ['duplicate']], // false positive; episode 1 ends
    ['A', 21, null, ['duplicate']], // unlabelled: not scored
    ['B', 30, 'card_testing', []], // episode 2, never detected
    ['A', 31, 'large_withdrawal', ['amount_outlier']], // episode 3, detected on its first record
  ]);
  assert.equal(deltas[5], null);
  const t = tracker.totals;
  assert.deepEqual(t, summed);
  assert.deepEqual([t.labeled, t.positives, t.episodes], [7, 5, 3]);
  assert.deepEqual(t.byRule.velocity, { tp: 2, fp: 0, detected: 1, ttdSumMs: 2000, ttdMaxMs: 2000 });
  assert.deepEqual(t.byRule.drain, { tp: 1, fp: 0, detected: 1, ttdSumMs: 5000, ttdMaxMs: 5000 });
  assert.deepEqual(t.byRule.duplicate, { tp: 0, fp: 1, detected: 0, ttdSumMs: 0, ttdMaxMs: 0 });
  assert.deepEqual(t.byRule.any, { tp: 3, fp: 1, detected: 2, ttdSumMs: 2000, ttdMaxMs: 2000 });

  const s = summarizeQuality(t);
  assert.deepEqual(s.any, { tp: 3, fp: 1, detected: 2, precision: 0.75, recall: 2 / 3, meanTtdMs: 1000, maxTtdMs: 2000 });
  assert.equal(s.velocity.precision, 1);
  assert.equal(s.velocity.recall, 1 / 3);
  assert.equal(s.duplicate.precision, 0);
  assert.ok(!Object.keys(s).includes('low_balance'), 'customer notifications are not scored as fraud');
  assert.equal(s.duplicate.meanTtdMs, null);
  assert.deepEqual([...tracker.episodes.keys()], ['B', 'A']);
});

test('a change of positive label starts a new episode; unlabelled records do not end one', () => {
  const { tracker } = run([
    ['C', 0, 'mule_transfer', []],
    ['C', 1, null, []],
    ['C', 2, 'mule_transfer', ['velocity']],
    ['C', 3, 'card_testing', []],
    ['C', 4, 'card_testing', ['velocity']],
  ]);
  assert.equal(tracker.totals.episodes, 2);
  assert.deepEqual(tracker.totals.byRule.velocity, { tp: 2, fp: 0, detected: 2, ttdSumMs: 3000, ttdMaxMs: 2000 });
});

test("with sim-incident, an episode is one incident's records on one account, whatever normal life comes between", () => {
  const tracker = new QualityTracker();
  const at = (sec: number) => T0 + sec * 1000;
  tracker.observe('V', at(0), 'account_takeover', 'inc-1', []); // the victim's side starts
  tracker.observe('V', at(60), 'normal', null, []); // the victim's own shopping: the incident goes on
  tracker.observe('M', at(90), 'account_takeover', 'inc-1', []); // the mule's side: an episode of its own
  tracker.observe('V', at(3600), 'account_takeover', 'inc-1', ['new_payee_again']); // a payout an hour later
  tracker.observe('V', at(7200), 'account_takeover', 'inc-2', []); // a second incident on the same account
  assert.equal(tracker.totals.episodes, 3);
  assert.equal(tracker.totals.positives, 4);
  // Detected an hour after the victim's side began, not at a fresh start after the normal record.
  assert.deepEqual(tracker.totals.byRule.new_payee_again, { tp: 1, fp: 0, detected: 1, ttdSumMs: 3_600_000, ttdMaxMs: 3_600_000 });
  assert.equal(summarizeQuality(tracker.totals).any.recall, 1 / 3);
});

test('the same rule twice on one record counts once', () => {
  const { tracker } = run([['D', 0, 'card_testing', ['velocity', 'velocity']]]);
  assert.equal(tracker.totals.byRule.velocity.tp, 1);
  assert.equal(tracker.totals.byRule.any.tp, 1);
});

test('idle episodes are evicted by event time; snapshots restore the tracker', () => {
  const { tracker } = run([
    ['E', 0, 'card_testing', []],
    ['F', 100, 'card_testing', []],
  ]);
  tracker.evictIdle(T0 + 50_000);
  assert.deepEqual([...tracker.episodes.keys()], ['F']);
  const copy = QualityTracker.fromSnapshot(JSON.parse(JSON.stringify(tracker.toSnapshot())));
  assert.deepEqual(copy.observe('F', T0 + 101_000, 'card_testing', null, ['velocity']), tracker.observe('F', T0 + 101_000, 'card_testing', null, ['velocity']));
  assert.deepEqual(copy.totals, tracker.totals);
});
