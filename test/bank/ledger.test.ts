import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balanceDeltaCents } from '../../src/bank/ledger.ts';

test('each type moves the named account the documented way', () => {
  assert.equal(balanceDeltaCents('deposit', 'checking', 500), 500);
  assert.equal(balanceDeltaCents('withdraw', 'savings', 500), -500);
  assert.equal(balanceDeltaCents('current_balance', 'checking', 500), 0);
  assert.equal(balanceDeltaCents('low_balance', 'checking', 500), 0);
  // Own-account transfers are named by the receiving account: credit there, debit on the other leg.
  assert.equal(balanceDeltaCents('checking_account', 'checking', 500), 500);
  assert.equal(balanceDeltaCents('checking_account', 'savings', 500), -500);
  assert.equal(balanceDeltaCents('savings_account', 'savings', 500), 500);
  assert.equal(balanceDeltaCents('savings_account', 'checking', 500), -500);
  // A declined transaction moves nothing.
  assert.equal(balanceDeltaCents('withdraw', 'checking', 500, 'declined'), 0);
  assert.equal(balanceDeltaCents('withdraw', 'checking', 500, 'approved'), -500);
});
