import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/processor/config.ts';
import { newPayeeAgain } from '../../../src/processor/rules/new-payee-again.ts';
import { DAY_MS } from '../../../src/processor/rules/robust.ts';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { firedIds, runRule, T0 } from '../helpers.ts';

const config = DEFAULT_CONFIG.rules.new_payee_again;
const run = (steps: Array<Partial<NormalizedTx>>) => firedIds(runRule(newPayeeAgain, newPayeeAgain.initialState(), config, steps));
const pay = (day: number, payee: string, cents: number): Partial<NormalizedTx> => ({ type: 'withdraw', channel: 'online', counterpartyId: payee, amountCents: cents, timestampMs: T0 + day * DAY_MS });

test('new_payee_again: a new payee paid a large amount again within a week fires, once per payee', () => {
  assert.deepEqual(run([pay(0, 'EXT-1', 2_600_00), pay(2, 'EXT-1', 1_450_00), pay(3, 'EXT-1', 1_350_00)]), ['t1']);
});

test('new_payee_again: a known payee, small payments, merchants and bills, or a second payment weeks later do not fire', () => {
  assert.deepEqual(run([pay(0, 'EXT-1', 100_00), pay(1, 'EXT-1', 2_000_00), pay(2, 'EXT-1', 2_000_00)]), []);
  assert.deepEqual(run([pay(0, 'EXT-1', 2_000_00), pay(1, 'EXT-1', 300_00)]), []);
  assert.deepEqual(run([pay(0, 'PAY-1', 2_000_00), pay(1, 'PAY-1', 2_000_00), pay(2, 'MER-1', 2_000_00), pay(3, 'MER-1', 2_000_00)]), []);
  assert.deepEqual(run([pay(0, 'EXT-1', 2_000_00), pay(8, 'EXT-1', 2_000_00)]), []);
});

test('new_payee_again: a second payment that is a trifle of a large balance does not fire', () => {
  assert.deepEqual(run([pay(0, 'EXT-1', 2_000_00), { ...pay(2, 'EXT-1', 900_00), balanceCents: 90_000_00 }]), []);
  assert.deepEqual(run([pay(0, 'EXT-1', 2_000_00), { ...pay(2, 'EXT-1', 900_00), balanceCents: 9_000_00 }]), ['t1']);
});
