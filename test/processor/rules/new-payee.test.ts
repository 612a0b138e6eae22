import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/processor/config.ts';
import { newPayee } from '../../../src/processor/rules/new-payee.ts';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { firedIds, runRule } from '../helpers.ts';

const config = DEFAULT_CONFIG.rules.new_payee;
const run = (steps: Array<Partial<NormalizedTx>>) => firedIds(runRule(newPayee, newPayee.initialState(), config, steps));
const pay = (payee: string, cents: number): Partial<NormalizedTx> => ({ type: 'withdraw', channel: 'online', counterpartyId: payee, amountCents: cents });
const usual = [pay('PAY-1', 80_00), pay('PAY-2', 60_00), pay('PAY-1', 90_00), pay('MER-7', 40_00), pay('PAY-2', 70_00)];

test('new_payee: a large first transfer to an unknown account fires; to a known payee it does not', () => {
  assert.deepEqual(run([...usual, pay('EXT-9', 2_500_00)]), ['t5']);
  assert.deepEqual(run([...usual, pay('PAY-1', 2_500_00)]), []);
});

test('new_payee: small transfers, merchants and ATMs, and young accounts do not fire', () => {
  assert.deepEqual(run([...usual, pay('EXT-9', 200_00)]), []);
  assert.deepEqual(run([...usual, pay('MER-9', 2_500_00), pay('ATM-0001', 2_500_00)]), []);
  assert.deepEqual(run([pay('PAY-1', 80_00), pay('EXT-9', 2_500_00)]), []);
});

test('new_payee: the payee is known after its first payment; v1 messages without counterparty never fire', () => {
  assert.deepEqual(run([...usual, pay('EXT-9', 2_500_00), pay('EXT-9', 2_500_00)]), ['t5']);
  assert.deepEqual(run([...usual, { type: 'withdraw', amountCents: 2_500_00 }]), []);
});

test('new_payee: a payment that takes less than balanceShare of the balance before it does not fire', () => {
  // balanceCents is the balance after the payment: 2,500.00 of 10,000.00 is 25%, of 5,000.00 it is 50%.
  assert.deepEqual(run([...usual, { ...pay('EXT-9', 2_500_00), balanceCents: 7_500_00 }]), []);
  assert.deepEqual(run([...usual, { ...pay('EXT-9', 2_500_00), balanceCents: 2_500_00 }]), ['t5']);
});
