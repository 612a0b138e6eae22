import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventTable } from '../../src/analysis/event-table.ts';
import { computeFeatures, FEATURE_NAMES } from '../../src/analysis/features.ts';
import type { FeatureMatrix } from '../../src/analysis/features.ts';
import { Simulator } from '../../src/bank/simulator.ts';
import { HIGH_FRAUD, record } from '../helpers/labelled-records.ts';

function column(x: FeatureMatrix, name: string): number[] {
  const f = x.names.indexOf(name);
  assert.ok(f >= 0, `no feature ${name}`);
  return Array.from({ length: x.rows }, (_, i) => x.data[i * x.width + f] ?? Number.NaN);
}

test('no look-ahead: a record\'s features do not change when later records are added or altered', () => {
  const events = new Simulator({ seed: 'features', accounts: 100, fraudRate: HIGH_FRAUD, startMs: Date.UTC(2025, 0, 6) }).take(12_000);
  const full = computeFeatures(EventTable.from(events));
  const prefix = computeFeatures(EventTable.from(events.slice(0, 6_000)));
  assert.deepEqual(prefix.data, full.data.subarray(0, prefix.data.length));
  // Rewriting the future (amounts and labels) leaves the past rows alone.
  const altered = events.map((e, i) => (i < 6_000 ? e : { ...e, label: 'card_testing', value: { ...e.value, amount: e.value.amount * 7 } }));
  assert.deepEqual(computeFeatures(EventTable.from(altered)).data.subarray(0, prefix.data.length), prefix.data);
});

test('velocity and outflow windows count only the account\'s earlier records', () => {
  const x = computeFeatures(EventTable.from([
    record({ account_id: 'A', minute: 0, amount: 100 }),
    record({ account_id: 'B', minute: 1, amount: 999 }),
    record({ account_id: 'A', minute: 30, amount: 50 }),
    record({ account_id: 'A', minute: 90, amount: 20, transaction_type: 'deposit', channel: 'transfer' }),
    record({ account_id: 'A', minute: 24 * 60 + 10, amount: 5 }),
  ]));
  assert.deepEqual(column(x, 'count_1h'), [0, 0, 1, 0, 0]);
  assert.deepEqual(column(x, 'count_24h'), [0, 0, 1, 2, 2]);
  // Row 4: A's withdrawal at minute 0 fell out of the 24 h window, the one at minute 30 did not.
  assert.deepEqual(column(x, 'log_outflow_24h').map((v) => Math.round(Math.expm1(v))), [0, 0, 100, 150, 50]);
  assert.deepEqual(column(x, 'log_inflow_24h').map((v) => Math.round(Math.expm1(v))), [0, 0, 0, 0, 20]);
  const gaps = column(x, 'log_seconds_since_previous');
  assert.deepEqual(gaps.slice(0, 2), [-1, -1], 'first record of each account');
  assert.deepEqual(gaps.slice(2).map((v) => Math.round(Math.expm1(v))), [1800, 3600, 22 * 3600 + 40 * 60]);
  assert.deepEqual(column(x, 'account_age_events').map((v) => Math.round(Math.expm1(v))), [0, 0, 1, 2, 3]);
  assert.deepEqual(column(x, 'hour_of_day'), [0, 0, 0, 1, 0]);
  assert.deepEqual(column(x, 'type_withdraw'), [1, 1, 1, 0, 1]);
  assert.deepEqual(column(x, 'channel_card'), [1, 1, 1, 0, 1]);
  assert.deepEqual(column(x, 'channel_transfer'), [0, 0, 0, 1, 0]);
});

test('amount against the account\'s own habit for that type and channel: robust z from the running median and MAD', () => {
  const amounts = [20, 22, 18, 21, 19, 400];
  const x = computeFeatures(EventTable.from(amounts.map((amount, i) => record({ minute: i * 600, amount }))));
  const z = column(x, 'amount_robust_z');
  assert.deepEqual(z.slice(0, 3), [0, 0, 0], 'too little history: neutral');
  // Row 5: past log amounts of 18..22; median log1p(20), MAD the median absolute deviation.
  const past = [20, 22, 18, 21, 19].map(Math.log1p).sort((a, b) => a - b);
  const med = past[2] ?? 0;
  const mad = past.map((v) => Math.abs(v - med)).sort((a, b) => a - b)[2] ?? 0;
  const expected = (Math.log1p(400) - med) / (1.4826 * mad + 0.1);
  assert.ok(Math.abs((z[5] ?? 0) - expected) < 1e-4, `${z[5]} vs ${expected}`);
  assert.ok((z[5] ?? 0) > 10);
  assert.ok(Math.abs((column(x, 'amount_vs_max_log')[5] ?? 0) - (Math.log1p(400) - Math.log1p(22))) < 1e-5);
});

test('v2 fields: a new counterparty, the merchant category\'s share of the account\'s past, declines', () => {
  const x = computeFeatures(EventTable.from([
    record({ minute: 0, counterparty_id: 'MER-00001', merchant_category: 'grocery' }),
    record({ minute: 10, counterparty_id: 'MER-00001', merchant_category: 'grocery' }),
    record({ minute: 20, counterparty_id: 'PAY-00002', merchant_category: 'utilities', status: 'declined', decline_reason: 'insufficient_funds' }),
    record({ minute: 30, counterparty_id: 'MER-00001', merchant_category: 'grocery' }),
    record({ minute: 40, transaction_type: 'current_balance' }),
  ]));
  assert.deepEqual(column(x, 'has_counterparty'), [1, 1, 1, 1, 0]);
  assert.deepEqual(column(x, 'new_counterparty'), [1, 0, 1, 0, 0]);
  assert.deepEqual(column(x, 'category_share').map((v) => Math.round(v * 1000) / 1000), [0, 1, 0, 0.667, -1]);
  assert.deepEqual(column(x, 'declined'), [0, 0, 1, 0, 0]);
  assert.deepEqual(column(x, 'declines_24h'), [0, 0, 0, 1, 1]);
});

test('time since the account\'s last balance inquiry, and new counterparties in the previous hour', () => {
  const x = computeFeatures(EventTable.from([
    record({ minute: 0, counterparty_id: 'MER-00001' }),
    record({ minute: 5, transaction_type: 'current_balance', channel: 'online', amount: 1000 }),
    record({ account_id: 'B', minute: 6, counterparty_id: 'MER-00009' }),
    record({ minute: 10, counterparty_id: 'PAY-00002', channel: 'online' }),
    record({ minute: 20, counterparty_id: 'MER-00001' }),
    record({ minute: 61, counterparty_id: 'MER-00003' }),
    record({ minute: 125, transaction_type: 'current_balance', channel: 'online', amount: 1000 }),
  ]));
  // Row 1 is the inquiry itself: the account had none before it. Account B never inquired.
  assert.deepEqual(column(x, 'log_seconds_since_inquiry').map((v) => (v < 0 ? v : Math.round(Math.expm1(v)))), [-1, -1, -1, 300, 900, 56 * 60, 120 * 60]);
  // The new ones before each record within the hour: MER-00001 at 0 and PAY-00002 at 10 (MER-00001 again
  // at 20 is not new); by minute 61 the first has left the hour, by 125 all have.
  assert.deepEqual(column(x, 'new_counterparties_1h'), [0, 1, 0, 1, 2, 1, 0]);
});

test('an unknown type or channel lands in the "other" columns', () => {
  const x = computeFeatures(EventTable.from([record({ transaction_type: 'refund', channel: 'carrier_pigeon' }), record({ channel: 'p2p' })]));
  assert.equal(x.width, FEATURE_NAMES.length);
  assert.deepEqual(column(x, 'type_other'), [1, 0]);
  assert.deepEqual(column(x, 'channel_other'), [1, 0]);
  assert.deepEqual(column(x, 'channel_p2p'), [0, 1]);
});
