import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/processor/config.ts';
import { DAY_MS } from '../../../src/processor/rules/robust.ts';
import { structuring } from '../../../src/processor/rules/structuring.ts';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { firedIds, runRule, T0 } from '../helpers.ts';

const config = DEFAULT_CONFIG.rules.structuring;
const run = (steps: Array<Partial<NormalizedTx>>) => firedIds(runRule(structuring, structuring.initialState(), config, steps));
const cash = (day: number, cents: number): Partial<NormalizedTx> => ({ type: 'deposit', channel: 'branch', amountCents: cents, timestampMs: T0 + day * DAY_MS });

test('structuring: two deposits just under 10,000.00 within a week fire; one does not', () => {
  assert.deepEqual(run([cash(0, 9_500_00), cash(2, 9_800_00)]), ['t1']);
  assert.deepEqual(run([cash(0, 9_500_00)]), []);
});

test('structuring: at or above the threshold, well below it, or more than a week apart does not fire', () => {
  assert.deepEqual(run([cash(0, 10_000_00), cash(1, 12_000_00)]), []);
  assert.deepEqual(run([cash(0, 5_000_00), cash(1, 5_000_00)]), []);
  assert.deepEqual(run([cash(0, 9_500_00), cash(8, 9_500_00)]), []);
});

test('structuring: the window restarts after firing', () => {
  assert.deepEqual(run([cash(0, 9_500_00), cash(1, 9_500_00), cash(2, 9_500_00), cash(3, 9_500_00)]), ['t1', 't3']);
});
