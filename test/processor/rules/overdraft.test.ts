import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { initialAccountLimitState } from '../../../src/processor/rules/balance.ts';
import { overdraft } from '../../../src/processor/rules/overdraft.ts';
import { firedIds, runRule } from '../helpers.ts';

const cases: Array<{ name: string; limitCents?: number; steps: Array<Partial<NormalizedTx>>; fired: string[] }> = [
  { name: 'going below zero fires', steps: [{ balanceCents: 50_00 }, { amountCents: 51_00, balanceCents: -1_00 }], fired: ['t1'] },
  { name: 'staying overdrawn does not fire again', steps: [{ balanceCents: -1_00 }, { balanceCents: -2_00 }], fired: ['t0'] },
  { name: 'an account first seen already overdrawn did not cross', steps: [{ type: 'current_balance', amountCents: 0, balanceCents: -5_00 }, { amountCents: 1_00, balanceCents: -6_00 }], fired: [] },
  { name: 'a first known debit that overdrew fires: the balance before it from the message', steps: [{ amountCents: 30_00, balanceCents: -5_00 }], fired: ['t0'] },
  { name: 'zero is not overdrawn', steps: [{ balanceCents: 1_00 }, { balanceCents: 0 }], fired: [] },
  { name: 'back above zero and below again fires twice', steps: [{ balanceCents: -1 }, { balanceCents: 5 }, { balanceCents: -1 }], fired: ['t0', 't2'] },
  { name: 'a tolerated limit moves the line', limitCents: 50_00, steps: [{ balanceCents: 10_00 }, { balanceCents: -50_00 }, { balanceCents: -50_01 }], fired: ['t2'] },
  {
    name: 'minimal messages: derived balance',
    steps: [
      { type: 'current_balance', amountCents: 10_00 },
      { type: 'withdraw', amountCents: 15_00 },
    ],
    fired: ['t1'],
  },
  {
    name: "the account's own agreed limit replaces the setting, and is remembered",
    limitCents: 50_00,
    steps: [{ balanceCents: 10_00, overdraftLimitCents: 500_00 }, { balanceCents: -400_00 }, { balanceCents: -500_01 }],
    fired: ['t2'],
  },
  { name: 'an agreed limit of zero is the account\'s own, even under a tolerant setting', limitCents: 50_00, steps: [{ balanceCents: 10_00, overdraftLimitCents: 0 }, { balanceCents: -1 }], fired: ['t1'] },
  { name: 'a declined withdrawal without a balance moves nothing', steps: [{ balanceCents: 10_00 }, { amountCents: 50_00, status: 'declined' }], fired: [] },
  { name: 'deposits into an overdrawn account do not fire', steps: [{ balanceCents: -10_00 }, { type: 'deposit', balanceCents: -5_00 }], fired: ['t0'] },
];

for (const c of cases) {
  test(`overdraft: ${c.name}`, () => {
    const alerts = runRule(overdraft, initialAccountLimitState(), { enabled: true, limitCents: c.limitCents ?? 0 }, c.steps);
    assert.deepEqual(firedIds(alerts), c.fired);
    for (const a of alerts) if (a) assert.equal(a.severity, 'CRITICAL');
  });
}

test('overdraft alert carries balances and limit', () => {
  const [, alert] = runRule(overdraft, initialAccountLimitState(), { enabled: true, limitCents: 0 }, [{ balanceCents: 3_00 }, { amountCents: 5_00, balanceCents: -2_00 }]);
  assert.ok(alert);
  assert.equal(alert.id, 't1:overdraft');
  assert.deepEqual(alert.observed, { balance_cents: -2_00, previous_balance_cents: 3_00 });
  assert.deepEqual(alert.threshold, { overdraft_limit_cents: 0 });
  assert.match(alert.explanation, /overdrawn at -2\.00 \(was 3\.00\)/);
});
