import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventTable } from '../../src/analysis/event-table.ts';
import { amountBand, filterPurity, hourBand } from '../../src/analysis/filter-purity.ts';
import { record, T0 } from '../helpers/labelled-records.ts';

test('amount and hour bands', () => {
  assert.equal(amountBand(0.99), '<$1');
  assert.equal(amountBand(1), '$1–10');
  assert.equal(amountBand(10.01), '$10–50');
  assert.equal(amountBand(800), '$500–800');
  assert.equal(amountBand(800.01), '>$800');
  assert.equal(hourBand(T0), '21:00–00:59');
  assert.equal(hourBand(T0 + 1 * 3_600_000), '01:00–04:59');
  assert.equal(hourBand(T0 + 4.99 * 3_600_000), '01:00–04:59');
  assert.equal(hourBand(T0 + 5 * 3_600_000), '05:00–08:59');
});

test('coverage and purity per filter; a filter covering > 2% of fraud at > 50% purity is a giveaway', () => {
  const records = [];
  // 100 normal card purchases of $20 at noon, 4 fraud probes under $1, 10 fraud card purchases of $20.
  for (let i = 0; i < 100; i++) records.push(record({ minute: 12 * 60 + i, amount: 20 }));
  for (let i = 0; i < 4; i++) records.push(record({ minute: 12 * 60 + i, amount: 0.5, label: 'card_testing', incident: 'inc-a' }));
  for (let i = 0; i < 10; i++) records.push(record({ minute: 12 * 60 + i, amount: 20, label: 'card_testing', incident: `inc-${i % 2}` }));
  // One normal probe-sized purchase keeps the < $1 band from being pure.
  records.push(record({ minute: 12 * 60, amount: 0.75 }));
  const result = filterPurity(EventTable.from(records));
  assert.equal(result.fraudRecords, 14);
  assert.equal(result.incidents, 3);
  const band = result.rows.find((r) => r.filter === 'withdraw via card, amount <$1');
  assert.ok(band);
  assert.equal(band.matched, 5);
  assert.equal(band.fraud, 4);
  assert.equal(band.coverage, 4 / 14);
  assert.equal(band.purity, 0.8);
  assert.equal(band.incidents, 1);
  assert.equal(band.giveaway, true);
  const card = result.rows.find((r) => r.filter === 'channel card');
  assert.ok(card);
  assert.equal(card.purity, 14 / 115);
  assert.equal(card.giveaway, false);
  assert.equal(result.rows[0]?.giveaway, true);
  assert.ok(result.giveaways.every((r) => r.coverage > 0.02 && r.purity > 0.5));
  assert.deepEqual(
    result.giveaways.map((r) => r.filter).sort(),
    ['withdraw via card, amount <$1', 'withdraw, amount <$1'],
  );
  assert.equal(result.union.matched, 5);
  assert.equal(result.union.fraud, 4);
  assert.equal(result.union.incidentCoverage, 1 / 3);
});

test('balance left at 0, declines and merchant categories are filters', () => {
  const result = filterPurity(EventTable.from([
    record({ balance: 0, label: 'account_takeover', channel: 'online' }),
    record({ balance: 0, transaction_type: 'current_balance', amount: 0, channel: 'online' }),
    record({ status: 'declined', decline_reason: 'insufficient_funds', merchant_category: 'gambling', label: 'card_testing' }),
  ]));
  const names = result.rows.map((r) => r.filter);
  for (const filter of ['withdraw leaving balance exactly 0', 'declined', 'declined: insufficient_funds', 'merchant category gambling']) assert.ok(names.includes(filter), filter);
  assert.ok(!names.includes('current_balance with balance exactly 0'), 'only filters that match fraud are listed');
});
