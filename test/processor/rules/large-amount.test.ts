import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { largeAmount } from '../../../src/processor/rules/large-amount.ts';
import { firedIds, runRule, seededRandom, tx } from '../helpers.ts';

const config = { enabled: true, zThreshold: 4, stdFloorCents: 25_00, minHistory: 5 };
const w = (amountCents: number): Partial<NormalizedTx> => ({ type: 'withdraw', amountCents });

const cases: Array<{ name: string; steps: Array<Partial<NormalizedTx>>; fired: string[] }> = [
  // Constant history: std 0 is floored at 25.00, so 50.00 + 4 x 25.00 = 150.00 is the line.
  { name: 'floored deviation: at the line fires', steps: [w(50_00), w(50_00), w(50_00), w(50_00), w(50_00), w(150_00)], fired: ['t5'] },
  { name: 'floored deviation: a cent under does not', steps: [w(50_00), w(50_00), w(50_00), w(50_00), w(50_00), w(149_99)], fired: [] },
  { name: 'too little history is not judged', steps: [w(50_00), w(50_00), w(50_00), w(50_00), w(10_000_00)], fired: [] },
  {
    name: 'history is per transaction type',
    steps: [
      { type: 'deposit', amountCents: 50_00 },
      { type: 'deposit', amountCents: 50_00 },
      { type: 'deposit', amountCents: 50_00 },
      { type: 'deposit', amountCents: 50_00 },
      { type: 'deposit', amountCents: 50_00 },
      w(10_000_00),
    ],
    fired: [],
  },
  {
    name: 'balance reports are not amounts',
    steps: [w(50_00), w(50_00), w(50_00), w(50_00), w(50_00), { type: 'current_balance', amountCents: 90_000_00 }],
    fired: [],
  },
  // Alternating 10.00 / 90.00: mean 50.00, sample std 43.82, so z(200.00) = 3.42 and z(230.00) = 4.11.
  { name: 'a wide history tolerates more: z 3.42', steps: [w(10_00), w(90_00), w(10_00), w(90_00), w(10_00), w(90_00), w(200_00)], fired: [] },
  { name: 'a wide history tolerates more: z 4.11', steps: [w(10_00), w(90_00), w(10_00), w(90_00), w(10_00), w(90_00), w(230_00)], fired: ['t6'] },
  { name: 'small amounts below the mean never fire', steps: [w(50_00), w(50_00), w(50_00), w(50_00), w(50_00), w(0)], fired: [] },
];

for (const c of cases) {
  test(`large_amount: ${c.name}`, () => {
    assert.deepEqual(firedIds(runRule(largeAmount, largeAmount.initialState(), config, c.steps)), c.fired);
  });
}

test('large_amount alert reports mean, deviation and z-score', () => {
  const alerts = runRule(largeAmount, largeAmount.initialState(), config, [w(10_00), w(90_00), w(10_00), w(90_00), w(10_00), w(90_00), w(230_00)]);
  const alert = alerts[6];
  assert.ok(alert);
  assert.equal(alert.severity, 'MEDIUM');
  assert.deepEqual(alert.observed, { amount_cents: 230_00, mean_cents: 50_00, std_cents: 43_82, z_score: 4.11, history: 6 });
  assert.deepEqual(alert.threshold, { z_score: 4, std_floor_cents: 25_00, min_history: 5 });
});

test('running statistics equal the two-pass mean and sample variance', () => {
  const rand = seededRandom(7);
  const amounts = Array.from({ length: 200 }, () => Math.floor(rand() * 100_000));
  let state = largeAmount.initialState();
  for (const [i, amountCents] of amounts.entries()) state = largeAmount.evaluate(tx({ transactionId: `t${i}`, amountCents }), state, config).state;
  const mean = amounts.reduce((s, x) => s + x, 0) / amounts.length;
  const variance = amounts.reduce((s, x) => s + (x - mean) ** 2, 0) / (amounts.length - 1);
  const stats = state.byType.withdraw;
  assert.ok(stats);
  assert.equal(stats.n, amounts.length);
  assert.ok(Math.abs(stats.mean - mean) < 1e-6);
  assert.ok(Math.abs(stats.m2 / (stats.n - 1) - variance) / variance < 1e-9);
});

test('the rule does not mutate the state it is given', () => {
  const before = largeAmount.initialState();
  const frozen = JSON.stringify(before);
  largeAmount.evaluate(tx(), before, config);
  assert.equal(JSON.stringify(before), frozen);
});
