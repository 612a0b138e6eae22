import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/processor/config.ts';
import { amountOutlier } from '../../../src/processor/rules/amount-outlier.ts';
import { DAY_MS } from '../../../src/processor/rules/robust.ts';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { firedIds, runRule, T0 } from '../helpers.ts';

const config = DEFAULT_CONFIG.rules.amount_outlier;
const run = (steps: Array<Partial<NormalizedTx>>) => firedIds(runRule(amountOutlier, amountOutlier.initialState(), config, steps));
const card = (amountCents: number, merchantCategory = 'grocery'): Partial<NormalizedTx> => ({ type: 'withdraw', channel: 'card', merchantCategory, amountCents });
const history = (n: number, cents: number, category = 'grocery') => Array.from({ length: n }, (_, i) => card(cents + (i % 3) * 5_00, category));

test('amount_outlier: far above the median of the same kind fires; within its spread it does not', () => {
  assert.deepEqual(run([...history(6, 40_00), card(2_000_00)]), ['t6']);
  assert.deepEqual(run([...history(6, 40_00), card(90_00)]), []);
});

test('amount_outlier: each kind has its own baseline: rent is not judged against groceries', () => {
  const rent = (i: number): Partial<NormalizedTx> => ({ type: 'withdraw', channel: 'online', merchantCategory: 'housing', amountCents: 1_500_00, timestampMs: T0 + i * 30 * DAY_MS });
  assert.deepEqual(run([...history(6, 40_00), rent(1), rent(2)]), []);
});

test('amount_outlier: nothing is judged before minHistory amounts of the kind, nor below minCents', () => {
  assert.deepEqual(run([...history(4, 40_00), card(5_000_00)]), []);
  assert.deepEqual(run([...history(6, 10), card(199_99)]), []);
});

test('amount_outlier: an alerted amount stays out of the baseline, so a second one fires too', () => {
  assert.deepEqual(run([...history(6, 40_00), card(2_000_00), card(2_000_00)]), ['t6', 't7']);
});

test('amount_outlier: a recurring payment (same payee, similar amount, about a month later) is not alerted', () => {
  const pay = (day: number, cents: number): Partial<NormalizedTx> => ({ type: 'withdraw', channel: 'online', counterpartyId: 'PAY-00042', amountCents: cents, timestampMs: T0 + day * DAY_MS });
  const small = Array.from({ length: 6 }, (_, i) => ({ ...pay(i * 0.1, 30_00), counterpartyId: `PAY-${i}` }));
  // The first payment to PAY-00042 is an outlier among the small ones; a month later the same amount is rent.
  assert.deepEqual(run([...small, pay(1, 1_200_00), pay(31, 1_230_00)]), ['t6']);
  // Twice the amount a month later is not the same bill.
  assert.deepEqual(run([...small, pay(1, 1_200_00), pay(31, 2_400_00)]), ['t6', 't7']);
});

test('amount_outlier: declined transactions and balance reports are ignored; state stays bounded', () => {
  assert.deepEqual(run([...history(6, 40_00), { ...card(2_000_00), status: 'declined' }, { type: 'current_balance', amountCents: 9_999_00 }]), []);
  let state = amountOutlier.initialState();
  for (let i = 0; i < 200; i++) state = amountOutlier.evaluate({ ...runRuleTx(i), merchantCategory: `c${i % 20}`, counterpartyId: `PAY-${i}` }, state, config).state;
  assert.equal(state.kinds.length, config.maxKinds);
  // Each kind's run of amounts in logs: its count, then at most `history` amounts.
  let at = 0;
  for (let i = 0; i < state.kinds.length; i++) {
    const n = state.logs[at] as number;
    assert.ok(n >= 1 && n <= config.history);
    at += 1 + n;
  }
  assert.equal(at, state.logs.length);
  assert.deepEqual(state.kinds.slice(-2), ['withdraw|*', 'withdraw|card|c19'], 'the type and the kind just used go last');
  assert.deepEqual(state.payees, Array.from({ length: 8 }, (_, i) => `PAY-${192 + i}`));
  assert.deepEqual(
    state.paid,
    Array.from({ length: 8 }, (_, i) => [T0 + (192 + i) * 1000, 10_00 + 192 + i]).flat(),
    'each payee with its own last payment',
  );
});

function runRuleTx(i: number): NormalizedTx {
  return { transactionId: `x${i}`, derivedId: false, accountId: 'A', type: 'withdraw', amountCents: 10_00 + i, balanceCents: null, timestampMs: T0 + i * 1000, customerId: null, accountType: null, currency: null, channel: 'card', counterpartyId: null, merchantCategory: null, status: 'approved', declineReason: null, lowBalanceThresholdCents: null, overdraftLimitCents: null, partition: 0, offset: String(i) };
}
