import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountsOf, createPopulation, customerIdOf } from '../../src/bank/customers.ts';
import { PROFILE_NAMES, PROFILES } from '../../src/bank/profiles.ts';
import { Rng } from '../../src/bank/rng.ts';

test('creates exactly the requested number of accounts, with unique ids', () => {
  for (const count of [1, 2, 3, 10, 1000]) {
    const customers = createPopulation(new Rng(`pop-${count}`), count);
    const accounts = customers.flatMap(accountsOf);
    assert.equal(accounts.length, count);
    assert.equal(new Set(accounts.map((a) => a.id)).size, count);
    assert.equal(new Set(customers.map((c) => c.id)).size, customers.length);
  }
  assert.throws(() => createPopulation(new Rng(1), 0), /accounts must be an integer >= 1/);
});

test('accounts start mid-life with a balance and know their customer', () => {
  const customers = createPopulation(new Rng('links'), 200);
  customers.forEach((customer, index) => {
    assert.equal(customer.index, index);
    for (const account of accountsOf(customer)) {
      assert.ok(account.balance > 0 && Number.isInteger(account.balance));
      assert.equal(customerIdOf(account.customerIndex), customer.id);
      assert.equal(account.customerIndex, index);
    }
    assert.equal(customer.checking.type, 'checking');
    assert.equal(customer.savings?.type ?? 'savings', 'savings');
    // Expected events count the scheduled ones and second legs on top of the background actions.
    assert.ok(customer.eventsPerDay > customer.backgroundPerDay);
  });
});

test('a few customers start dormant, for up to eight months', () => {
  const customers = createPopulation(new Rng('dormant'), 20_000);
  const dormant = customers.filter((c) => c.dormantDays > 0);
  const share = dormant.length / customers.length;
  assert.ok(share > 0.02 && share < 0.04, `dormant share ${share}`);
  assert.ok(dormant.every((c) => c.dormantDays <= 240));
});

test('profiles appear in roughly their population shares, with budgets that make sense', () => {
  const customers = createPopulation(new Rng('shares'), 20_000);
  for (const name of PROFILE_NAMES) {
    const share = customers.filter((c) => c.profile.name === name).length / customers.length;
    assert.ok(Math.abs(share - PROFILES[name].populationShare) < 0.02, `${name}: ${share}`);
  }
  for (const customer of customers) {
    assert.ok(customer.payPerPeriod > 0 && customer.monthlyNetIncome > 0);
    assert.ok(customer.medians.card > 0 && customer.medians.atm > 0);
    const bills = customer.bills.reduce((sum, bill) => sum + bill.amount, 0);
    assert.ok(bills < customer.monthlyNetIncome, `${customer.id} bills ${bills} >= income ${customer.monthlyNetIncome}`);
  }
});

test('the same seed builds the same population', () => {
  const a = createPopulation(new Rng('same'), 300);
  const b = createPopulation(new Rng('same'), 300);
  assert.deepEqual(a, b);
});
