import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alertId, makeAlert } from '../../src/processor/alert.ts';
import { formatCents } from '../../src/processor/rules/explain.ts';
import { T0, tx } from './helpers.ts';

test('alert ids are the transaction id and the rule', () => {
  assert.equal(alertId('f3b9-0001', 'velocity'), 'f3b9-0001:velocity');
  const a = makeAlert(tx({ transactionId: '0-42', offset: '42', partition: 0, timestampMs: T0 + 5 }), 'drain', 'HIGH', { observed: { x: 1 }, threshold: { y: 2 }, explanation: 'why' });
  assert.deepEqual(a, {
    id: '0-42:drain',
    rule: 'drain',
    severity: 'HIGH',
    account_id: 'ACC-1',
    transaction_id: '0-42',
    transaction_type: 'withdraw',
    timestamp: '2025-01-15T09:00:00.005Z',
    observed: { x: 1 },
    threshold: { y: 2 },
    explanation: 'why',
    risk_score: 0,
    source: { partition: 0, offset: '42' },
  });
});

const money: Array<[number, string]> = [
  [0, '0.00'],
  [5, '0.05'],
  [1234_56, '1234.56'],
  [-3_07, '-3.07'],
  [-99, '-0.99'],
];
for (const [cents, text] of money) {
  test(`formatCents(${cents}) is ${text}`, () => assert.equal(formatCents(cents), text));
}
