import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/processor/config.ts';
import { outflow } from '../../../src/processor/rules/outflow.ts';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { firedIds, runRule, T0 } from '../helpers.ts';

const config = DEFAULT_CONFIG.rules.outflow;
const run = (steps: Array<Partial<NormalizedTx>>) => firedIds(runRule(outflow, outflow.initialState(), config, steps));
const w = (min: number, cents: number, balance: number): Partial<NormalizedTx> => ({ type: 'withdraw', amountCents: cents, balanceCents: balance, timestampMs: T0 + min * 60_000 });

test('outflow: a takeover draining in steps fires on the step that crosses 70% of the starting balance', () => {
  // 2,000.00: 800 (40%), then 700 more (75%) four minutes later.
  assert.deepEqual(run([w(0, 800_00, 1_200_00), w(4, 700_00, 500_00), w(6, 400_00, 100_00)]), ['t1']);
});

test('outflow: the same amounts spread over more than the window do not fire', () => {
  assert.deepEqual(run([w(0, 800_00, 1_200_00), w(70, 700_00, 500_00)]), []);
});

test('outflow: small accounts under minCents and declined withdrawals do not fire', () => {
  assert.deepEqual(run([w(0, 300_00, 10_00)]), []);
  assert.deepEqual(run([{ ...w(0, 1_900_00, 2_000_00), status: 'declined' }]), []);
});

test('outflow: the balance before comes from the running balance for minimal messages', () => {
  assert.deepEqual(run([{ type: 'current_balance', amountCents: 1_000_00 }, { type: 'withdraw', amountCents: 750_00 }]), ['t1']);
});
