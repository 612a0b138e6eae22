import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventTable, INFERRED_INCIDENT_GAP_MS } from '../../src/analysis/event-table.ts';
import { streamStats } from '../../src/analysis/stream-stats.ts';
import { Simulator } from '../../src/bank/simulator.ts';
import { HIGH_FRAUD, record } from '../helpers/labelled-records.ts';

const DAY_MINUTES = 24 * 60;

test('fraud share of outflow counts approved withdrawals only', () => {
  const table = EventTable.from([
    record({ amount: 900 }),
    record({ amount: 100, label: 'account_takeover' }),
    record({ amount: 500, label: 'account_takeover', status: 'declined', decline_reason: 'suspected_fraud' }),
    record({ amount: 5000, transaction_type: 'deposit', channel: 'payroll' }),
    record({ amount: 300, transaction_type: 'checking_account', channel: 'online', label: 'account_takeover' }),
  ]);
  const stats = streamStats(table);
  assert.equal(stats.outflow, 1000);
  assert.equal(stats.fraudOutflow, 100);
  assert.equal(stats.fraudValueShare, 0.1);
  assert.equal(stats.declined, 1);
  assert.equal(stats.declinedFraud, 1);
  assert.equal(stats.fraudRecords, 3);
});

test('victims: customers whose first fraud money movement goes out; mules (money in first) and perpetrators are not', () => {
  const table = EventTable.from([
    record({ customer_id: 'C1', account_id: 'A1', minute: 0 }),
    record({ customer_id: 'C2', account_id: 'A2', minute: 0 }),
    record({ customer_id: 'C3', account_id: 'A3', minute: 0 }),
    // C1 is drained, C2 (a mule) receives the money and moves it on, C3 is reimbursed for nothing lost.
    record({ customer_id: 'C1', account_id: 'A1', minute: 10, label: 'account_takeover', incident: 'inc-1' }),
    record({ customer_id: 'C2', account_id: 'A2', minute: 11, transaction_type: 'deposit', label: 'account_takeover', incident: 'inc-1' }),
    record({ customer_id: 'C2', account_id: 'A2', minute: 30, label: 'account_takeover', incident: 'inc-1' }),
    record({ customer_id: 'C1', account_id: 'A1', minute: 5 * DAY_MINUTES, transaction_type: 'deposit', label: 'account_takeover', incident: 'inc-1' }),
    // C4 structures cash withdrawals: the account holder is the perpetrator.
    record({ customer_id: 'C4', account_id: 'A4', minute: 40, amount: 9000, channel: 'atm', label: 'structuring', incident: 'inc-2' }),
    record({ customer_id: 'C3', account_id: 'A3', minute: 365 * DAY_MINUTES }),
  ]);
  const stats = streamStats(table);
  assert.equal(stats.customers, 4);
  assert.equal(stats.victims, 1);
  assert.ok(Math.abs(stats.spanDays - 365) < 1e-9);
  assert.ok(Math.abs(stats.victimsPerCustomerYear - 1 / 4) < 1e-9);
  assert.equal(stats.incidents, 2);
  assert.equal(stats.incidentsFromHeader, true);
});

test('burstiness: normal card purchases within 60 s of the same account\'s previous card purchase', () => {
  const table = EventTable.from([
    record({ account_id: 'A1', minute: 0 }),
    record({ account_id: 'A1', minute: 0.5 }), // 30 s: bursty
    record({ account_id: 'A2', minute: 0.6 }), // another account: first purchase
    record({ account_id: 'A1', minute: 0.7, channel: 'atm' }), // not a card purchase
    record({ account_id: 'A1', minute: 1.4 }), // 54 s after the previous card purchase: bursty
    record({ account_id: 'A1', minute: 3 }), // 96 s: not
    record({ account_id: 'A1', minute: 3.2, channel: 'online', counterparty_id: 'MER-00001' }), // a merchant payment (v2): bursty
    record({ account_id: 'A1', minute: 3.3, label: 'card_testing', amount: 0.5 }), // fraud: not counted as normal
  ]);
  const stats = streamStats(table);
  assert.equal(stats.cardPurchases, 6);
  assert.equal(stats.burstyCardPurchases, 3);
  assert.equal(stats.burstiness, 0.5);
});

test('the simulated span runs from the earliest to the latest record, in whatever order they come', () => {
  const table = EventTable.from([record({ account_id: 'A', minute: 60 }), record({ account_id: 'B', minute: 0 }), record({ account_id: 'A', minute: 90 }), record({ account_id: 'B', minute: 30 })]);
  assert.equal(table.firstMs, table.timeMs[1]);
  assert.equal(table.spanMs, 90 * 60_000);
});

test('without incident headers (v1) incidents are inferred per customer and scenario, split by a quiet gap', () => {
  const gapMinutes = INFERRED_INCIDENT_GAP_MS / 60_000;
  const table = EventTable.from([
    record({ customer_id: 'C1', minute: 0, label: 'card_testing' }),
    record({ customer_id: 'C1', minute: 1, label: 'card_testing' }),
    record({ customer_id: 'C2', minute: 1, label: 'card_testing' }),
    record({ customer_id: 'C1', minute: 2, label: 'account_takeover' }),
    record({ customer_id: 'C1', minute: 1 + gapMinutes + 1, label: 'card_testing' }),
  ]);
  const stats = streamStats(table);
  assert.equal(table.incidentsFromHeader, false);
  assert.equal(stats.incidents, 4);
  assert.deepEqual(stats.incidentsByLabel, { card_testing: 3, account_takeover: 1 });
  assert.equal(table.incident[0], table.incident[1]);
  assert.notEqual(table.incident[0], table.incident[4]);
});

test('a simulator stream reads into the table unchanged, and its statistics are consistent', () => {
  const events = new Simulator({ seed: 'stats', accounts: 200, fraudRate: HIGH_FRAUD, startMs: Date.UTC(2025, 0, 6) }).take(20_000);
  const table = EventTable.from(events);
  assert.equal(table.length, events.length);
  const fraud = events.filter((e) => e.label !== 'normal').length;
  const stats = streamStats(table);
  assert.equal(stats.fraudRecords, fraud);
  // Declined withdrawals (simulator v2) move no money.
  const approved = (e: (typeof events)[number]) => (e.value as { status?: string }).status !== 'declined';
  const withdrawn = events.filter((e) => e.value.transaction_type === 'withdraw' && approved(e)).reduce((sum, e) => sum + e.value.amount, 0);
  assert.ok(Math.abs(stats.outflow - withdrawn) < 1e-6);
  assert.ok(stats.incidents > 0 && stats.incidents <= fraud);
  assert.ok(stats.victims > 0 && stats.victims <= stats.customers);
});
