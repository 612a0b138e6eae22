import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulator } from '../../../src/bank/simulator.ts';
import type { SimEvent } from '../../../src/bank/simulator.ts';
import { FRAUD_LABELS, FraudPlanner } from '../../../src/bank/scenarios/fraud.ts';
import { createPopulation } from '../../../src/bank/customers.ts';
import { Rng } from '../../../src/bank/rng.ts';
import type { SimLabel } from '../../../src/bank/transaction.ts';

const START = Date.UTC(2025, 2, 3);

function run(count: number, fraudRate: number, seed = 'fraud'): SimEvent[] {
  return new Simulator({ seed, accounts: 1000, fraudRate, startMs: START }).take(count);
}

function byLabel(events: SimEvent[]): Map<SimLabel, SimEvent[]> {
  const groups = new Map<SimLabel, SimEvent[]>();
  for (const event of events) {
    const group = groups.get(event.label) ?? [];
    group.push(event);
    groups.set(event.label, group);
  }
  return groups;
}

test('the share of fraud-labelled events matches the requested rate', () => {
  for (const [rate, count] of [
    [0.002, 400_000],
    [0.01, 200_000],
    [0.05, 100_000],
  ] as const) {
    const events = run(count, rate, `rate-${rate}`);
    const fraud = events.filter((e) => e.label !== 'normal').length;
    const observed = fraud / events.length;
    assert.ok(Math.abs(observed / rate - 1) < 0.1, `asked for ${rate}, got ${observed}`);
  }
});

test('all four scenarios occur, and their ground truth travels only in the header', () => {
  const events = run(200_000, 0.01);
  const groups = byLabel(events);
  for (const label of FRAUD_LABELS) {
    const group = groups.get(label) ?? [];
    assert.ok(group.length > 0, `${label} never happens`);
    for (const event of group) {
      assert.equal(event.headers['sim-label'], label);
      assert.ok(!JSON.stringify(event.value).includes(label), 'label leaked into the payload');
    }
  }
});

test('each scenario looks like what it claims to be', () => {
  const events = run(300_000, 0.02);
  const groups = byLabel(events);
  const normalAtm = (groups.get('normal') ?? []).filter((e) => e.value.transaction_type === 'withdraw' && e.value.channel === 'atm');
  const meanNormalAtm = normalAtm.reduce((s, e) => s + e.value.amount, 0) / normalAtm.length;

  // Card testing: bursts of tiny card purchases, seconds apart, on one account.
  const probes = (groups.get('card_testing') ?? []).filter((e) => e.value.transaction_type === 'withdraw');
  assert.ok(probes.every((e) => e.value.channel === 'card'));
  assert.ok(probes.filter((e) => e.value.amount < 5).length / probes.length > 0.85);

  // Account takeover: online access, money pulled out online.
  const takeover = groups.get('account_takeover') ?? [];
  assert.ok(takeover.some((e) => e.value.transaction_type === 'current_balance' && e.value.channel === 'online'));
  const drains = takeover.filter((e) => e.value.transaction_type === 'withdraw');
  assert.ok(drains.length > 0 && drains.every((e) => e.value.channel === 'online'));

  // Large withdrawals: cash at an ATM or branch, far above a normal ATM visit.
  const large = (groups.get('large_withdrawal') ?? []).filter((e) => e.value.transaction_type === 'withdraw');
  assert.ok(large.every((e) => e.value.channel === 'atm' || e.value.channel === 'branch'));
  const meanLarge = large.reduce((s, e) => s + e.value.amount, 0) / large.length;
  assert.ok(meanLarge > 10 * meanNormalAtm, `large ${meanLarge} vs normal ATM ${meanNormalAtm}`);

  // Mules: a handful of accounts receive transfers just under $10,000 and send most of it on.
  const mule = groups.get('mule_transfer') ?? [];
  const incoming = mule.filter((e) => e.value.transaction_type === 'deposit');
  assert.ok(incoming.every((e) => e.value.channel === 'transfer' && e.value.amount >= 2_000 && e.value.amount < 10_000));
  const outgoing = mule.filter((e) => e.value.transaction_type === 'withdraw');
  assert.ok(outgoing.length > 0);
  const muleAccounts = new Set(mule.map((e) => e.value.account_id));
  assert.ok(muleAccounts.size <= 10, `${muleAccounts.size} distinct mule accounts`);
});

test('switching fraud on does not change who the customers are', () => {
  const clean = new Simulator({ seed: 'population', accounts: 500, fraudRate: 0, startMs: START });
  const fraudulent = new Simulator({ seed: 'population', accounts: 500, fraudRate: 0.01, startMs: START });
  assert.deepEqual(clean.customers, fraudulent.customers);
});

test('the planner rejects rates outside 0..0.5', () => {
  const customers = createPopulation(new Rng(1), 10);
  assert.throws(() => new FraudPlanner(new Rng(1), customers, 0.6), /between 0 and 0.5/);
  assert.throws(() => new FraudPlanner(new Rng(1), customers, -0.1), /between 0 and 0.5/);
  assert.throws(() => new FraudPlanner(new Rng(1), customers, Number.NaN), /between 0 and 0.5/);
});
