import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Case } from '../../src/formats/case.ts';
import { IncidentScorer } from '../../src/processor/incident-score.ts';
import { T0, tx } from './helpers.ts';

const MIN = 60_000;
const caseOf = (id: string, version: number, alertIds: string[], score = 0.6): Case => ({
  case_id: id, version, account_id: 'A', customer_id: '', opened_ms: 0, updated_ms: 0, severity: 'MEDIUM', score, rules: ['velocity'],
  alert_ids: alertIds, linked_accounts: [], amount_at_risk_cents: 0, status: 'open', source: { partition: 0 },
});

test('incidents, cases and value are scored as documented', () => {
  const s = new IncidentScorer(10 * MIN);
  const w = (id: string, min: number, account: string, cents: number) => tx({ transactionId: id, accountId: account, amountCents: cents, timestampMs: T0 + min * MIN });
  s.observe(w('warm', 0, 'A', 100), 'card_testing', 'inc-early', []); // starts in the warm-up: not scored
  s.observe(w('a1', 20, 'A', 100_00), 'account_takeover', 'inc-1', []); // incident 1: 100 before the case
  s.observe(w('a2', 23, 'A', 300_00), 'account_takeover', 'inc-1', [caseOf('c1', 1, ['a2:outflow'])]); // detected after 3 min: 300 at it
  s.observe(w('a3', 25, 'A', 600_00), 'account_takeover', 'inc-1', [caseOf('c1', 2, ['a2:outflow', 'a3:drain'], 0.8)]);
  s.observe(w('b1', 30, 'B', 50_00), 'card_testing', 'inc-2', []); // incident 2: never detected
  s.observe(w('n1', 40, 'C', 900_00), 'normal', null, [caseOf('c2', 1, ['n1:amount_outlier'])]); // a false case
  s.observe(w('m1', 50, 'D', 70_00), 'mule_transfer', null, []); // v1: a label run is an incident
  s.observe(w('m2', 51, 'D', 30_00), 'mule_transfer', null, [caseOf('c3', 1, ['m2:rapid_in_out'])]);
  const t = s.table();
  assert.deepEqual([t.incidents, t.detected, t.recall], [3, 2, 2 / 3]);
  assert.deepEqual([t.cases, t.truePositiveCases, t.casePrecision], [3, 2, 2 / 3]);
  // Outflow 1,000 + 50 + 100; detected at or after the first case: 900 + 30.
  assert.equal(t.valueDetected, (900_00 + 30_00) / (1_000_00 + 50_00 + 100_00));
  assert.equal(t.medianTtdMs, (3 * MIN + 1 * MIN) / 2);
  assert.equal(t.byScenario.card_testing?.recall, 0);
  assert.equal(t.byScenario.account_takeover?.valueDetected, 900 / 1000);
  assert.equal(t.accounts, 4);
  assert.equal(t.top100Precision, 2 / 3);
  assert.ok(t.casesPerThousandAccountsPerDay !== null && Math.abs(t.casesPerThousandAccountsPerDay - 3 / (4 / 1000) / (41 / 1440)) < 1e-6);
});
