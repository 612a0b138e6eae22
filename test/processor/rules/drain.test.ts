import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { initialBalanceState } from '../../../src/processor/rules/balance.ts';
import { drain } from '../../../src/processor/rules/drain.ts';
import { firedIds, runRule } from '../helpers.ts';

const config = { enabled: true, ratio: 0.9, minBalanceCents: 100_00 };

const cases: Array<{ name: string; steps: Array<Partial<NormalizedTx>>; fired: string[] }> = [
  { name: '95% of the balance in one withdrawal fires', steps: [{ amountCents: 190_00, balanceCents: 10_00 }], fired: ['t0'] },
  { name: 'exactly 90% does not', steps: [{ amountCents: 180_00, balanceCents: 20_00 }], fired: [] },
  { name: 'small balances are ignored', steps: [{ amountCents: 95_00, balanceCents: 4_00 }], fired: [] },
  { name: 'a declined withdrawal took nothing and does not fire', steps: [{ amountCents: 839_00, balanceCents: 286_31, status: 'declined' }], fired: [] },
  { name: 'deposits never fire', steps: [{ type: 'deposit', amountCents: 1000_00, balanceCents: 1000_00 }], fired: [] },
  {
    name: 'minimal messages: balance before from the last known balance',
    steps: [
      { type: 'current_balance', amountCents: 500_00 },
      { type: 'withdraw', amountCents: 460_00 },
    ],
    fired: ['t1'],
  },
  { name: 'no known balance, no judgement', steps: [{ type: 'withdraw', amountCents: 460_00 }], fired: [] },
  {
    name: 'the message balance wins over a stale known balance',
    steps: [
      { type: 'current_balance', amountCents: 10_000_00 },
      { type: 'withdraw', amountCents: 460_00, balanceCents: 40_00 },
    ],
    fired: ['t1'],
  },
];

for (const c of cases) {
  test(`drain: ${c.name}`, () => {
    assert.deepEqual(firedIds(runRule(drain, initialBalanceState(), config, c.steps)), c.fired);
  });
}

test('drain alert reports the ratio against the threshold', () => {
  const [alert] = runRule(drain, initialBalanceState(), config, [{ amountCents: 190_00, balanceCents: 10_00 }]);
  assert.ok(alert);
  assert.equal(alert.severity, 'LOW');
  assert.deepEqual(alert.observed, { amount_cents: 190_00, balance_before_cents: 200_00, ratio: 0.95 });
  assert.deepEqual(alert.threshold, { ratio: 0.9, min_balance_cents: 100_00 });
  assert.match(alert.explanation, /95\.0% of the 200\.00 balance before it \(threshold 90\.0%\)/);
});
