import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountsOf, createPopulation } from '../../src/bank/customers.ts';
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

test('accounts start closed at zero and know their customer', () => {
  const customers = createPopulation(new Rng('links'), 200);
  customers.forEach((customer, index) => {
    assert.equal(customer.index, index);
    for (const account of accountsOf(customer)) {
      assert.equal(account.balance, 0);
      assert.equal(account.opened, false);
      assert.equal(account.customerId, customer.id);
      assert.equal(account.customerIndex, index);
      assert.ok(account.openingBalance > 0 && Number.isInteger(account.openingBalance));
    }
    assert.equal(customer.checking.type, 'checking');
    assert.equal(customer.savings?.type ?? 'savings', 'savings');
  });
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
