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

test('structuring: three cash deposits under 10,000.00 within two weeks that add up past it fire', () => {
  assert.deepEqual(run([cash(0, 3_500_00), cash(2, 4_000_00), cash(5, 3_000_00)]), ['t2']);
  assert.deepEqual(run([cash(0, 9_500_00), cash(2, 9_800_00)]), []);
});

test('structuring: at or above the threshold, small cash, a sum under it, transfers or more than two weeks apart do not fire', () => {
  assert.deepEqual(run([cash(0, 10_000_00), cash(1, 12_000_00), cash(2, 12_000_00)]), []);
  assert.deepEqual(run([cash(0, 900_00), cash(1, 900_00), cash(2, 900_00), cash(3, 900_00)]), []);
  assert.deepEqual(run([cash(0, 2_000_00), cash(1, 2_000_00), cash(2, 2_000_00)]), []);
  assert.deepEqual(run([cash(0, 3_500_00), cash(1, 3_500_00), { ...cash(2, 3_500_00), channel: 'online', counterpartyId: 'EXT-00000001' }]), []);
  assert.deepEqual(run([cash(0, 4_000_00), cash(8, 4_000_00), cash(16, 4_000_00)]), []);
});

test('structuring: the window restarts after firing', () => {
  assert.deepEqual(run([cash(0, 4_000_00), cash(1, 4_000_00), cash(2, 4_000_00), cash(3, 4_000_00), cash(4, 4_000_00), cash(5, 4_000_00)]), ['t2', 't5']);
});
