import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/processor/config.ts';
import { rapidInOut } from '../../../src/processor/rules/rapid-in-out.ts';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { firedIds, runRule, T0 } from '../helpers.ts';

const config = DEFAULT_CONFIG.rules.rapid_in_out;
const run = (steps: Array<Partial<NormalizedTx>>) => firedIds(runRule(rapidInOut, rapidInOut.initialState(), config, steps));
// Money from an outside sender, passed on to another outside account.
const at = (min: number, type: 'deposit' | 'withdraw', cents: number): Partial<NormalizedTx> => ({ type, amountCents: cents, timestampMs: T0 + min * 60_000, counterpartyId: 'EXT-00001234', channel: 'online' });

test('rapid_in_out: a mule forwarding most of two transfers within hours fires on the withdrawal that crosses 70%', () => {
  assert.deepEqual(run([at(0, 'deposit', 5_000_00), at(30, 'deposit', 4_000_00), at(90, 'withdraw', 800_00), at(120, 'withdraw', 5_000_00), at(150, 'withdraw', 2_000_00)]), ['t4']);
});

test('rapid_in_out: spending a salary over days, or small deposits, do not fire', () => {
  assert.deepEqual(run([at(0, 'deposit', 3_000_00), at(8 * 60, 'withdraw', 2_900_00)]), []);
  assert.deepEqual(run([at(0, 'deposit', 150_00), at(10, 'withdraw', 150_00)]), []);
});

test('rapid_in_out: pay spent on bills, reimbursements and card purchases are not passing money on', () => {
  assert.deepEqual(run([{ ...at(0, 'deposit', 3_000_00), counterpartyId: 'EXT-EMP00012' }, at(60, 'withdraw', 2_900_00)]), []);
  assert.deepEqual(run([{ ...at(0, 'deposit', 3_000_00), channel: 'system' }, at(60, 'withdraw', 2_900_00)]), []);
  assert.deepEqual(run([{ ...at(0, 'deposit', 3_000_00), counterpartyId: null }, at(60, 'withdraw', 2_900_00)]), []);
  assert.deepEqual(run([at(0, 'deposit', 3_000_00), { ...at(60, 'withdraw', 2_900_00), counterpartyId: 'PAY-00001' }, { ...at(70, 'withdraw', 2_900_00), counterpartyId: 'MER-00001' }]), []);
  assert.deepEqual(run([at(0, 'deposit', 3_000_00), { ...at(60, 'withdraw', 2_900_00), counterpartyId: 'ATM-0001' }]), ['t1']);
});

test('rapid_in_out: after firing the account starts afresh; declined withdrawals move nothing', () => {
  assert.deepEqual(run([at(0, 'deposit', 2_000_00), at(10, 'withdraw', 1_500_00), at(20, 'withdraw', 400_00)]), ['t1']);
  assert.deepEqual(run([at(0, 'deposit', 2_000_00), { ...at(10, 'withdraw', 1_900_00), status: 'declined' }]), []);
});

test('rapid_in_out: only money from new senders counts; a friend who paid before is no stranger', () => {
  const friend = (min: number, cents: number): Partial<NormalizedTx> => ({ ...at(min, 'deposit', cents), counterpartyId: 'CHK-0000042', channel: 'p2p' });
  // Paid by the friend a week ago, again today, and passing it on: not a mule's pattern.
  assert.deepEqual(run([friend(0, 300_00), friend(7 * 24 * 60, 400_00), at(7 * 24 * 60 + 60, 'withdraw', 400_00)]), []);
  // A stranger's first transfer passed on: fires; the same stranger within the window still counts.
  assert.deepEqual(run([friend(-7 * 24 * 60, 300_00), friend(0, 2_000_00), at(10, 'deposit', 900_00), at(40, 'deposit', 600_00), at(90, 'withdraw', 1_100_00)]), ['t4']);
});

test('rapid_in_out: money in that is a trifle of the balance already there is not passed-on money', () => {
  const rich = (min: number, type: 'deposit' | 'withdraw', cents: number, balanceCents: number): Partial<NormalizedTx> => ({ ...at(min, type, cents), balanceCents });
  assert.deepEqual(run([rich(0, 'deposit', 400_00, 80_400_00), rich(60, 'withdraw', 500_00, 79_900_00)]), []);
  assert.deepEqual(run([rich(0, 'deposit', 400_00, 2_400_00), rich(60, 'withdraw', 500_00, 1_900_00)]), ['t1']);
});

test('rapid_in_out: a payment far larger than what came in is not that money passed on', () => {
  assert.deepEqual(run([at(0, 'deposit', 400_00), at(60, 'withdraw', 5_000_00)]), []);
  assert.deepEqual(run([at(0, 'deposit', 400_00), at(60, 'withdraw', 790_00)]), ['t1']);
});

test('rapid_in_out: a state from a snapshot written before senders were kept goes on', () => {
  const old = { deposits: [], outCents: 0 };
  assert.deepEqual(firedIds(runRule(rapidInOut, old, config, [at(0, 'deposit', 900_00), at(30, 'withdraw', 800_00)])), ['t1']);
});
