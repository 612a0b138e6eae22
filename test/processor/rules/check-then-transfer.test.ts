import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/processor/config.ts';
import { checkThenTransfer } from '../../../src/processor/rules/check-then-transfer.ts';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { firedIds, runRule, T0 } from '../helpers.ts';

const config = DEFAULT_CONFIG.rules.check_then_transfer;
const run = (steps: Array<Partial<NormalizedTx>>) => firedIds(runRule(checkThenTransfer, checkThenTransfer.initialState(), config, steps));
const check = (sec: number, channel: NormalizedTx['channel'] = 'online'): Partial<NormalizedTx> => ({ type: 'current_balance', channel, amountCents: 7_000_00, timestampMs: T0 + sec * 1000 });
// balanceCents is the balance after the transfer.
const send = (sec: number, cents: number, balanceAfter: number, payee = 'EXT-00001234'): Partial<NormalizedTx> => ({ type: 'withdraw', channel: 'p2p', counterpartyId: payee, amountCents: cents, balanceCents: balanceAfter, timestampMs: T0 + sec * 1000 });

test('check_then_transfer: a balance check, then money sent to a new payee within minutes, fires once per check', () => {
  assert.deepEqual(run([check(0), send(300, 3_400_00, 3_600_00), send(600, 2_000_00, 1_600_00)]), ['t1']);
  assert.deepEqual(run([check(0, 'atm'), send(60, 1_500_00, 5_500_00), check(700), send(800, 1_500_00, 4_000_00, 'EXT-00005678')]), ['t1', 't3']);
});

test('check_then_transfer: a payee this account paid before does not fire', () => {
  assert.deepEqual(run([send(-86_400, 100_00, 7_000_00, 'CHK-0000042'), check(0), send(300, 3_400_00, 3_600_00, 'CHK-0000042')]), []);
  assert.deepEqual(run([check(0), send(60, 1_500_00, 5_500_00), check(700), send(800, 1_500_00, 4_000_00)]), ['t1']);
});

test('check_then_transfer: statements, late or small transfers, purchases and bills do not fire', () => {
  assert.deepEqual(run([check(0, 'system'), send(60, 3_400_00, 3_600_00)]), []);
  assert.deepEqual(run([check(0), send(601, 3_400_00, 3_600_00)]), []);
  assert.deepEqual(run([check(0), send(599, 3_400_00, 3_600_00)]), ['t1']);
  assert.deepEqual(run([check(0), send(60, 99_99, 6_000_00)]), []);
  // A small share of a large balance is what a slow takeover sends: by default any share fires.
  assert.deepEqual(run([check(0), send(60, 150_00, 30_000_00)]), ['t1']);
  assert.deepEqual(run([check(0), send(60, 3_400_00, 3_600_00, 'MER-00001'), send(70, 3_400_00, 200_00, 'PAY-00001'), { ...send(80, 3_400_00, 0), status: 'declined' }]), []);
});

test('check_then_transfer: with balanceShare set, a transfer must also take that share of the balance before it', () => {
  const share = { ...config, balanceShare: 0.2 };
  const runShare = (steps: Array<Partial<NormalizedTx>>) => firedIds(runRule(checkThenTransfer, checkThenTransfer.initialState(), share, steps));
  assert.deepEqual(runShare([check(0), send(60, 600_00, 6_000_00), send(90, 3_400_00, 2_600_00, 'EXT-00005678')]), ['t2']);
});

test('check_then_transfer: a state from a snapshot written before payees were kept goes on', () => {
  assert.deepEqual(firedIds(runRule(checkThenTransfer, { checkMs: T0 }, config, [send(300, 3_400_00, 3_600_00)])), ['t0']);
});
