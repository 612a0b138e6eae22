import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { initialAccountLimitState } from '../../../src/processor/rules/balance.ts';
import { lowBalance } from '../../../src/processor/rules/low-balance.ts';
import { firedIds, runRule } from '../helpers.ts';

const config = { enabled: true, thresholdCents: 100_00 };

const cases: Array<{ name: string; steps: Array<Partial<NormalizedTx>>; fired: string[] }> = [
  { name: 'a low_balance event always fires, whatever our threshold', steps: [{ type: 'low_balance', amountCents: 500_00 }], fired: ['t0'] },
  {
    name: 'crossing below the threshold fires once',
    steps: [
      { type: 'deposit', amountCents: 50_00, balanceCents: 200_00 },
      { type: 'withdraw', amountCents: 150_00, balanceCents: 50_00 },
      { type: 'withdraw', amountCents: 10_00, balanceCents: 40_00 },
    ],
    fired: ['t1'],
  },
  {
    name: 'recovering and dropping again fires again',
    steps: [
      { type: 'deposit', balanceCents: 200_00 },
      { type: 'withdraw', balanceCents: 50_00 },
      { type: 'deposit', balanceCents: 300_00 },
      { type: 'withdraw', balanceCents: 99_99 },
    ],
    fired: ['t1', 't3'],
  },
  {
    name: "a low_balance event reporting a crossing already notified (the debit's) is not notified again",
    steps: [
      { type: 'deposit', amountCents: 50_00, balanceCents: 200_00 },
      { type: 'withdraw', amountCents: 150_00, balanceCents: 50_00 },
      { type: 'low_balance', amountCents: 50_00, balanceCents: 50_00 },
    ],
    fired: ['t1'],
  },
  {
    name: 'a low_balance event fires when the balance known before it was not low',
    steps: [
      { type: 'deposit', amountCents: 50_00, balanceCents: 200_00 },
      { type: 'low_balance', amountCents: 80_00 },
      { type: 'low_balance', amountCents: 70_00 },
      { type: 'deposit', amountCents: 500_00 },
      { type: 'low_balance', amountCents: 60_00 },
    ],
    fired: ['t1', 't4'],
  },
  { name: 'exactly at the threshold is not below it', steps: [{ balanceCents: 200_00 }, { balanceCents: 100_00 }], fired: [] },
  // A processor started on a running bank must not notify every account that is already low.
  { name: 'a first known balance already below the threshold is not a crossing', steps: [{ type: 'current_balance', amountCents: 20_00 }, { amountCents: 5_00, balanceCents: 15_00 }], fired: [] },
  { name: "a first known debit that crossed fires: the balance before it from the message's balance and amount", steps: [{ amountCents: 150_00, balanceCents: 50_00 }, { amountCents: 5_00, balanceCents: 45_00 }], fired: ['t0'] },
  {
    name: "a first known move out of savings that crossed fires (it is named by the receiving account: checking_account)",
    steps: [{ type: 'checking_account', accountType: 'savings', amountCents: 300_00, balanceCents: 20_00 }, { type: 'low_balance', amountCents: 20_00, balanceCents: 20_00 }],
    fired: ['t0'],
  },
  { name: 'a first known move into checking below the threshold did not cross', steps: [{ type: 'checking_account', accountType: 'checking', amountCents: 30_00, balanceCents: 50_00 }], fired: [] },
  { name: 'a first known deposit below the threshold did not cross', steps: [{ type: 'deposit', amountCents: 10_00, balanceCents: 60_00 }], fired: [] },
  { name: 'a declined debit on a first known low balance did not cross', steps: [{ amountCents: 500_00, balanceCents: 60_00, status: 'declined' }], fired: [] },
  {
    name: 'minimal messages: balance derived from the last known one',
    steps: [
      { type: 'current_balance', amountCents: 200_00 },
      { type: 'withdraw', amountCents: 150_00 },
    ],
    fired: ['t1'],
  },
  {
    name: "the account's own threshold replaces the setting, and is remembered",
    steps: [
      { balanceCents: 600_00, lowBalanceThresholdCents: 500_00 },
      { balanceCents: 450_00 },
      { balanceCents: 600_00 },
      { balanceCents: 99_00, lowBalanceThresholdCents: 50_00 },
    ],
    fired: ['t1'],
  },
  { name: 'minimal messages without any known balance never fire', steps: [{ type: 'withdraw', amountCents: 999_00 }], fired: [] },
  {
    name: 'a transfer of unknown direction forgets the balance, and then nothing is known to cross',
    steps: [
      { type: 'current_balance', amountCents: 200_00 },
      { type: 'savings_account', amountCents: 150_00 },
      { type: 'withdraw', amountCents: 10_00 },
      { type: 'current_balance', amountCents: 50_00 },
      { type: 'current_balance', amountCents: 250_00 },
      { type: 'withdraw', amountCents: 200_00 },
    ],
    fired: ['t5'],
  },
];

for (const c of cases) {
  test(`low_balance: ${c.name}`, () => {
    assert.deepEqual(firedIds(runRule(lowBalance, initialAccountLimitState(), config, c.steps)), c.fired);
  });
}

test('low_balance alert explains itself', () => {
  const [, alert] = runRule(lowBalance, initialAccountLimitState(), config, [{ balanceCents: 200_00 }, { amountCents: 150_00, balanceCents: 50_00 }]);
  assert.ok(alert);
  assert.equal(alert.id, 't1:low_balance');
  assert.equal(alert.severity, 'HIGH');
  assert.deepEqual(alert.observed, { balance_cents: 50_00, previous_balance_cents: 200_00 });
  assert.deepEqual(alert.threshold, { balance_cents: 100_00 });
  assert.match(alert.explanation, /from 200\.00 to 50\.00, below the threshold 100\.00/);
});
