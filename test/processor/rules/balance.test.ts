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
  { type: 'savings_account', balance: 70_00, previous: 100_00, after: 70_00, before: 100_00 }, // no account type: direction unknown
];

for (const c of cases) {
  test(`balance: ${c.type} of 10.00, message balance ${c.balance}, known ${c.previous}`, () => {
    const t = tx({ type: c.type, amountCents: 10_00, balanceCents: c.balance });
    assert.equal(balanceAfter(t, c.previous), c.after);
    assert.equal(balanceBefore(t, c.previous), c.before);
  });
}

test('balance: a move between own accounts goes the way the account type says, with or without the message balance', () => {
  // checking_account names the receiving account: into checking, out of savings; savings_account the reverse.
  const moves = [
    { type: 'checking_account', accountType: 'checking', sign: 1 },
    { type: 'checking_account', accountType: 'savings', sign: -1 },
    { type: 'savings_account', accountType: 'savings', sign: 1 },
    { type: 'savings_account', accountType: 'checking', sign: -1 },
  ] as const;
  for (const { type, accountType, sign } of moves) {
    const derived = tx({ type, accountType, amountCents: 10_00 });
    assert.equal(balanceAfter(derived, 100_00), 100_00 + sign * 10_00, `${type} on ${accountType}: after`);
    assert.equal(balanceBefore(derived, 100_00), 100_00, `${type} on ${accountType}: before, known`);
    const reported = tx({ type, accountType, amountCents: 10_00, balanceCents: 50_00 });
    assert.equal(balanceAfter(reported, 999_00), 50_00);
    assert.equal(balanceBefore(reported, 999_00), 50_00 - sign * 10_00, `${type} on ${accountType}: before, from the message`);
  }
});

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
