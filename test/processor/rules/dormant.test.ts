import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/processor/config.ts';
import { dormant } from '../../../src/processor/rules/dormant.ts';
import { DAY_MS } from '../../../src/processor/rules/robust.ts';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { firedIds, runRule, T0 } from '../helpers.ts';

const config = DEFAULT_CONFIG.rules.dormant;
const run = (steps: Array<Partial<NormalizedTx>>) => firedIds(runRule(dormant, dormant.initialState(), config, steps));
const at = (day: number, over: Partial<NormalizedTx>): Partial<NormalizedTx> => ({ timestampMs: T0 + day * DAY_MS, ...over });

test('dormant: a withdrawal after 30 quiet days fires; after 29 it does not', () => {
  assert.deepEqual(run([at(0, { type: 'deposit' }), at(31, { amountCents: 500_00 })]), ['t1']);
  assert.deepEqual(run([at(0, { type: 'deposit' }), at(29, { amountCents: 500_00 })]), []);
});

test('dormant: the first event of an account, small amounts and deposits do not fire', () => {
  assert.deepEqual(run([at(0, { amountCents: 500_00 })]), []);
  assert.deepEqual(run([at(0, { type: 'deposit' }), at(40, { amountCents: 50_00 })]), []);
  assert.deepEqual(run([at(0, { type: 'deposit' }), at(40, { type: 'deposit', amountCents: 500_00 }), at(41, { amountCents: 500_00 })]), []);
});
