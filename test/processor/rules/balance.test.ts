import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TransactionType } from '../../../src/bank/transaction.ts';
import { balanceAfter, balanceBefore } from '../../../src/processor/rules/balance.ts';
import { tx } from '../helpers.ts';

const cases: Array<{ type: TransactionType; balance: number | null; previous: number | null; after: number | null; before: number | null }> = [
  { type: 'withdraw', balance: 40_00, previous: 999_00, after: 40_00, before: 50_00 },
  { type: 'deposit', balance: 40_00, previous: 999_00, after: 40_00, before: 30_00 },
  { type: 'withdraw', balance: null, previous: 100_00, after: 90_00, before: 100_00 },
  { type: 'deposit', balance: null, previous: 100_00, after: 110_00, before: 100_00 },
  { type: 'withdraw', balance: null, previous: null, after: null, before: null },
  { type: 'current_balance', balance: null, previous: 1_00, after: 10_00, before: 1_00 },
  { type: 'low_balance', balance: null, previous: null, after: 10_00, before: null },
  { type: 'checking_account', balance: null, previous: 100_00, after: null, before: 100_00 },
  { type: 'savings_account', balance: 70_00, previous: 100_00, after: 70_00, before: 100_00 },
];

for (const c of cases) {
  test(`balance: ${c.type} of 10.00, message balance ${c.balance}, known ${c.previous}`, () => {
    const t = tx({ type: c.type, amountCents: 10_00, balanceCents: c.balance });
    assert.equal(balanceAfter(t, c.previous), c.after);
    assert.equal(balanceBefore(t, c.previous), c.before);
  });
}

test('balance: a declined transaction moves no money, with or without the message balance', () => {
  for (const type of ['withdraw', 'deposit'] as const) {
    const known = tx({ type, amountCents: 10_00, status: 'declined', declineReason: 'insufficient_funds' });
    assert.equal(balanceAfter(known, 5_00), 5_00);
    assert.equal(balanceBefore(known, 5_00), 5_00);
    const reported = tx({ type, amountCents: 10_00, balanceCents: 5_00, status: 'declined' });
    assert.equal(balanceAfter(reported, 999_00), 5_00);
    assert.equal(balanceBefore(reported, 999_00), 5_00);
  }
});
