import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseJson, caseUpdateId, parseCase, type Case } from '../../src/formats/case.ts';

const c: Case = {
  case_id: 'case:ACC-1:t0',
  version: 2,
  account_id: 'ACC-1',
  customer_id: '',
  opened_ms: 1_736_931_600_000,
  updated_ms: 1_736_931_660_000,
  severity: 'HIGH',
  score: 0.82,
  rules: ['outflow', 'velocity'],
  alert_ids: ['t0:outflow', 't1:velocity'],
  linked_accounts: [],
  amount_at_risk_cents: 1_400_00,
  status: 'open',
  source: { partition: 3 },
};

test('a case round-trips; empty customer and links are left out', () => {
  const bytes = caseJson(c);
  assert.ok(!bytes.toString().includes('customer_id') && !bytes.toString().includes('linked_accounts'));
  assert.deepEqual(parseCase(bytes), c);
  assert.equal(caseUpdateId(c), 'case:ACC-1:t0@2');
});

test('malformed cases are refused', () => {
  for (const bad of [{ ...c, version: 0 }, { ...c, alert_ids: [] }, { ...c, score: -1 }, { ...c, source: {} }, { ...c, rules: ['a', 'a'] }]) {
    assert.equal(parseCase(Buffer.from(JSON.stringify(bad))), null, JSON.stringify(bad));
  }
  assert.equal(parseCase(Buffer.from('{')), null);
});
