import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeAlert, type Alert } from '../../src/processor/alert.ts';
import { CaseTracker, severityOf } from '../../src/processor/cases.ts';
import { resolveConfig } from '../../src/processor/config.ts';
import type { RuleName } from '../../src/processor/rules/registry.ts';
import type { NormalizedTx } from '../../src/processor/validate.ts';
import { T0, tx } from './helpers.ts';

const alert = (t: NormalizedTx, rule: RuleName): Alert => makeAlert(t, rule, 'HIGH', { observed: {}, threshold: {}, explanation: '' });
// The mechanism under test, with weights of its own rather than the tuned defaults.
const WEIGHTED = resolveConfig({ overrides: ['rules.velocity.weight=0.55', 'rules.outflow.weight=0.25', 'rules.amount_outlier.weight=0.35', 'rules.dormant.weight=0.3'] });
const at = (min: number, over: Partial<NormalizedTx> = {}) => tx({ transactionId: `t${min}`, timestampMs: T0 + min * 60_000, ...over });

test('risk score: the noisy-OR of the weights of the rules that fired; 0 without alerts', () => {
  const cases = new CaseTracker(WEIGHTED);
  const t = at(0);
  assert.equal(cases.score([]), 0);
  assert.equal(cases.score([alert(t, 'velocity')]), 0.55);
  assert.equal(cases.score([alert(t, 'velocity'), alert(t, 'outflow')]).toFixed(4), (1 - 0.45 * 0.75).toFixed(4));
  assert.equal(cases.score([alert(t, 'duplicate')]), 0);
});

test('a weak alert alone is a candidate; the next alert in the window opens the case with both', () => {
  const cases = new CaseTracker(WEIGHTED);
  const first = at(0, { amountCents: 900_00 });
  assert.equal(cases.observe(first, [alert(first, 'amount_outlier')], 0), null);
  const second = at(30, { amountCents: 500_00, customerId: 'C-1' });
  const opened = cases.observe(second, [alert(second, 'dormant')], 0);
  assert.ok(opened);
  assert.deepEqual(
    [opened.case_id, opened.version, opened.rules, opened.alert_ids, opened.amount_at_risk_cents, opened.customer_id, opened.opened_ms, opened.updated_ms],
    ['case:ACC-1:t0', 1, ['amount_outlier', 'dormant'], ['t0:amount_outlier', 't30:dormant'], 1_400_00, 'C-1', T0, T0 + 30 * 60_000],
  );
  assert.equal(opened.score, 0.545);
  assert.equal(opened.severity, 'MEDIUM');
  const third = at(40, { counterpartyId: 'CHK-0000007' });
  const updated = cases.observe(third, [alert(third, 'velocity')], 0);
  assert.deepEqual([updated?.case_id, updated?.version, updated?.linked_accounts, updated?.severity], ['case:ACC-1:t0', 2, ['CHK-0000007'], 'HIGH']);
});

test('alerts further apart than caseWindowSec start a new case; expired cases are evicted', () => {
  const cases = new CaseTracker(resolveConfig({ overrides: ['caseWindowSec=600'] }));
  const a = at(0);
  const b = at(11);
  assert.equal(cases.observe(a, [alert(a, 'velocity')], 3)?.case_id, 'case:ACC-1:t0');
  assert.equal(cases.observe(b, [alert(b, 'velocity')], 3)?.case_id, 'case:ACC-1:t11');
  cases.evictIdle(T0 + 30 * 60_000);
  assert.equal(cases.open.size, 0);
});

test('severity follows the score', () => {
  assert.deepEqual([0.2, 0.5, 0.75, 0.95].map(severityOf), ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
});
