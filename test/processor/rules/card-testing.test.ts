import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/processor/config.ts';
import { cardTesting } from '../../../src/processor/rules/card-testing.ts';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { firedIds, runRule, T0 } from '../helpers.ts';

const config = DEFAULT_CONFIG.rules.card_testing;
const run = (steps: Array<Partial<NormalizedTx>>) => firedIds(runRule(cardTesting, cardTesting.initialState(), config, steps));
const buy = (min: number, merchant: number, over: Partial<NormalizedTx> = {}): Partial<NormalizedTx> => ({
  type: 'withdraw', channel: 'card', amountCents: 6_00, counterpartyId: `MER-${String(merchant).padStart(5, '0')}`, merchantCategory: 'digital_goods', timestampMs: T0 + min * 60_000, ...over,
});
// Five habitual merchants, visited over the previous days.
const habits = [1, 2, 3, 4, 5].map((m) => buy(-3000 + m * 60, m));

test('card_testing: three new merchants within half an hour fire, declined probes included', () => {
  assert.deepEqual(run([...habits, buy(0, 101), buy(4, 102, { status: 'declined', declineReason: 'suspected_fraud' }), buy(9, 103)]), ['t7']);
});

test('card_testing: known merchants, slow discovery and accounts without history do not fire', () => {
  assert.deepEqual(run([...habits, buy(0, 1), buy(1, 2), buy(2, 3), buy(3, 101), buy(4, 4)]), []);
  assert.deepEqual(run([...habits, buy(0, 101), buy(40, 102), buy(80, 103)]), []);
  assert.deepEqual(run([buy(0, 101), buy(1, 102), buy(2, 103)]), []);
  // Probes are small: an afternoon of shopping at new places is not a test run.
  assert.deepEqual(run([...habits, buy(0, 101, { amountCents: 45_00 }), buy(10, 102, { amountCents: 80_00 }), buy(20, 103)]), []);
});

test('card_testing: the window restarts after firing; transfers and ATMs are not merchants', () => {
  assert.deepEqual(run([...habits, buy(0, 101), buy(1, 102), buy(2, 103), buy(3, 104), buy(4, 105), buy(5, 106)]), ['t7', 't10']);
  assert.deepEqual(run([...habits, buy(0, 0, { counterpartyId: 'ATM-0001' }), buy(1, 0, { counterpartyId: 'EXT-00000001', channel: 'online' }), buy(2, 0, { counterpartyId: 'CHK-0000001', channel: 'p2p' })]), []);
});

test('card_testing: purchases made in person (groceries, restaurants, fuel...) are not probes', () => {
  const inPerson = (min: number, merchant: number, merchantCategory: string) => buy(min, merchant, { merchantCategory });
  assert.deepEqual(run([...habits, inPerson(0, 101, 'grocery'), inPerson(5, 102, 'restaurant'), inPerson(9, 103, 'fuel')]), []);
  assert.deepEqual(run([...habits, buy(0, 101), inPerson(5, 102, 'restaurant'), buy(9, 103, { merchantCategory: 'charity' })]), []);
});

test('card_testing: two probes, then a larger purchase at a new merchant within cashOutSec fire on the purchase', () => {
  const cashOut = (min: number, merchant: number) => buy(min, merchant, { amountCents: 240_00, merchantCategory: 'jewelry' });
  assert.deepEqual(run([...habits, buy(0, 101), buy(5, 102), cashOut(200, 103), cashOut(230, 104)]), ['t7']);
  // Too late, at a known merchant, or without a run of two probes: nothing.
  assert.deepEqual(run([...habits, buy(0, 101), buy(5, 102), cashOut(7 * 60, 103)]), []);
  assert.deepEqual(run([...habits, buy(0, 101), buy(5, 102), cashOut(200, 1)]), []);
  assert.deepEqual(run([...habits, buy(0, 101), buy(45, 102), cashOut(200, 103)]), []);
  assert.deepEqual(run([...habits, buy(0, 101), buy(5, 102), cashOut(200, 103)]), ['t7']);
});

test('card_testing: after a run of three fired, its cash-out fires too (the third probe may be the customer\'s own)', () => {
  const cashOut = (min: number, merchant: number) => buy(min, merchant, { amountCents: 120_00, merchantCategory: 'gift_cards' });
  assert.deepEqual(run([...habits, buy(0, 101), buy(1, 102), buy(6, 103), cashOut(30, 104), cashOut(40, 105)]), ['t7', 't8']);
  assert.deepEqual(run([...habits, buy(0, 101), buy(1, 102), buy(6, 103), cashOut(7 * 60, 104)]), ['t7']);
});

test('card_testing: a cash-out is not made in person and is at least cashOutCents', () => {
  assert.deepEqual(run([...habits, buy(0, 101), buy(5, 102), buy(200, 103, { amountCents: 240_00, merchantCategory: 'grocery' })]), []);
  assert.deepEqual(run([...habits, buy(0, 101), buy(5, 102), buy(200, 103, { amountCents: 45_00, merchantCategory: 'electronics' })]), []);
});

test('card_testing: a state from a snapshot written before cash-outs were watched goes on', () => {
  const old = { merchants: ['MER-00001', 'MER-00002', 'MER-00003', 'MER-00004', 'MER-00005'], newAtMs: [] };
  assert.deepEqual(firedIds(runRule(cardTesting, old, config, [buy(0, 101), buy(4, 102), buy(9, 103)])), ['t2']);
});
