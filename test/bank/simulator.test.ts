import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulator } from '../../src/bank/simulator.ts';
import type { SimEvent } from '../../src/bank/simulator.ts';
import { balanceDeltaCents } from '../../src/bank/ledger.ts';
import { accountsOf, customerIdOf } from '../../src/bank/customers.ts';
import type { Account } from '../../src/bank/customers.ts';
import { hasAtMostTwoDecimals, majorToCents } from '../../src/bank/money.ts';
import { ACCOUNT_TYPES, CHANNELS, DECLINE_REASONS, MERCHANT_CATEGORIES, SIM_INCIDENT_HEADER, SIM_LABEL_HEADER, SIM_LABELS, TRANSACTION_TYPES } from '../../src/bank/transaction.ts';
import type { Transaction, TransactionType } from '../../src/bank/transaction.ts';

const START = Date.UTC(2025, 0, 6); // a Monday

function run(count: number, options: { seed?: string; accounts?: number; fraudRate?: number | 'demo' } = {}): { sim: Simulator; events: SimEvent[] } {
  const sim = new Simulator({ seed: options.seed ?? 'test', accounts: options.accounts ?? 300, fraudRate: options.fraudRate ?? 0, startMs: START });
  return { sim, events: sim.take(count) };
}

function accountIndex(sim: Simulator): Map<string, Account> {
  return new Map(sim.customers.flatMap(accountsOf).map((account) => [account.id, account]));
}

test('the same seed and start give an identical event sequence; another seed does not', () => {
  const a = run(20_000, { seed: 'same', fraudRate: 'demo' }).events;
  const b = run(20_000, { seed: 'same', fraudRate: 'demo' }).events;
  assert.deepEqual(a, b);
  assert.ok(a.some((e) => e.label !== 'normal'));
  const c = run(2_000, { seed: 'other', fraudRate: 'demo' }).events;
  assert.notDeepEqual(
    c.map((e) => e.value.amount),
    a.slice(0, 2_000).map((e) => e.value.amount),
  );
});

const BASE_FIELDS = ['transaction_id', 'timestamp', 'account_id', 'customer_id', 'account_type', 'transaction_type', 'amount', 'balance', 'currency', 'channel', 'low_balance_threshold', 'overdraft_limit'];
const OPTIONAL_FIELDS = ['counterparty_id', 'merchant_category', 'status', 'decline_reason'];
const COUNTERPARTY = /^(MER-\d{5}|PAY-\d{5}|CHK-\d{7}|SAV-\d{7}|EXT-[A-Z0-9-]{1,40}|ATM-\d{4})$/;

test('every event is a valid message: schema fields, key, headers, ordered timestamps', () => {
  const { sim, events } = run(50_000, { fraudRate: 'demo' });
  const accounts = accountIndex(sim);
  const ids = new Set<string>();
  let previous = START;
  for (const event of events) {
    const tx = event.value;
    const keys = Object.keys(tx);
    assert.deepEqual(keys.slice(0, BASE_FIELDS.length), BASE_FIELDS);
    assert.deepEqual(keys.slice(BASE_FIELDS.length), OPTIONAL_FIELDS.filter((f) => keys.includes(f)));
    const parsed: unknown = JSON.parse(JSON.stringify(tx));
    assert.deepEqual(parsed, tx);
    assert.equal(event.key, tx.account_id);
    if (event.label === 'normal') {
      assert.equal(event.incident, undefined);
      assert.deepEqual(event.headers, { [SIM_LABEL_HEADER]: 'normal' });
    } else {
      assert.match(event.incident ?? '', /^inc-[0-9a-f]{12,}$/);
      assert.deepEqual(event.headers, { [SIM_LABEL_HEADER]: event.label, [SIM_INCIDENT_HEADER]: event.incident });
    }
    assert.ok(SIM_LABELS.includes(event.label));
    assert.ok(TRANSACTION_TYPES.includes(tx.transaction_type));
    assert.ok(ACCOUNT_TYPES.includes(tx.account_type));
    assert.ok(CHANNELS.includes(tx.channel));
    assert.equal(tx.currency, 'USD');
    assert.ok(tx.amount >= 0 && hasAtMostTwoDecimals(tx.amount), `amount ${tx.amount}`);
    assert.ok(hasAtMostTwoDecimals(tx.balance), `balance ${tx.balance}`);
    if (tx.counterparty_id !== undefined) assert.match(tx.counterparty_id, COUNTERPARTY);
    if (tx.merchant_category !== undefined) assert.ok(MERCHANT_CATEGORIES.includes(tx.merchant_category) && /^[a-z][a-z0-9_]{0,31}$/.test(tx.merchant_category));
    assert.equal(tx.status === 'declined', tx.decline_reason !== undefined);
    if (tx.decline_reason !== undefined) assert.ok(DECLINE_REASONS.includes(tx.decline_reason));
    assert.match(tx.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const time = Date.parse(tx.timestamp);
    assert.ok(time >= previous, `${tx.timestamp} goes back in time`);
    previous = time;
    assert.ok(!ids.has(tx.transaction_id), `duplicate ${tx.transaction_id}`);
    ids.add(tx.transaction_id);
    const account = accounts.get(tx.account_id);
    assert.ok(account, `unknown account ${tx.account_id}`);
    assert.equal(account.type, tx.account_type);
    assert.equal(customerIdOf(account.customerIndex), tx.customer_id);
    assert.equal(majorToCents(tx.low_balance_threshold), account.lowBalanceThreshold);
    assert.equal(majorToCents(tx.overdraft_limit), account.overdraftLimit);
  }
});

test('balances reconcile: each event continues its account chain, declines move nothing, transfers between customers pair up', () => {
  const { sim, events } = run(150_000, { fraudRate: 1500 });
  assert.ok(events.some((e) => e.label !== 'normal'));
  const balances = new Map<string, number>();
  // A transfer to another customer: the payer's withdraw, then (after the payer's own low-balance notice,
  // if any) the payee's deposit naming the payer, at the same time and for the same amount.
  let pending: Transaction | undefined;
  let pairs = 0;
  for (const { value: tx } of events) {
    const delta = balanceDeltaCents(tx.transaction_type, tx.account_type, majorToCents(tx.amount), tx.status);
    // Accounts join mid-life: the first event sets where the chain starts.
    const before = balances.get(tx.account_id) ?? majorToCents(tx.balance) - delta;
    assert.equal(majorToCents(tx.balance), before + delta, `${tx.transaction_id} ${tx.transaction_type} breaks the chain of ${tx.account_id}`);
    balances.set(tx.account_id, before + delta);
    if (pending && !(tx.transaction_type === 'low_balance' && tx.account_id === pending.account_id)) {
      assert.equal(tx.transaction_type, 'deposit', `transfer ${pending.transaction_id} has no deposit leg`);
      assert.equal(tx.account_id, pending.counterparty_id);
      assert.equal(tx.counterparty_id, pending.account_id);
      assert.equal(tx.amount, pending.amount);
      assert.equal(tx.timestamp, pending.timestamp);
      pending = undefined;
      pairs++;
    } else if (tx.transaction_type === 'withdraw' && tx.status !== 'declined' && /^(CHK|SAV)-/.test(tx.counterparty_id ?? '')) {
      pending = tx;
    }
  }
  assert.ok(pairs > 1000, `${pairs} transfers between customers`);
  for (const account of sim.customers.flatMap(accountsOf)) {
    const seen = balances.get(account.id);
    if (seen !== undefined) assert.equal(seen, account.balance, `${account.id}: the chain does not end at the final balance`);
  }
  assert.ok(balances.size > 290, `${balances.size} of 300 accounts seen`);
});

test('every transaction type appears, with its documented meaning', () => {
  const { sim, events } = run(150_000, { fraudRate: 0 });
  const accounts = accountIndex(sim);
  const counts = new Map<TransactionType, number>();
  const balances = new Map<string, number>();
  const lastEvent = new Map<string, Transaction>();
  const balanceBeforeLast = new Map<string, number>();
  let firstLeg: Transaction | undefined;
  for (let i = 0; i < events.length; i++) {
    const { value: tx } = events[i] as SimEvent;
    counts.set(tx.transaction_type, (counts.get(tx.transaction_type) ?? 0) + 1);
    const account = accounts.get(tx.account_id) as Account;
    const balance = majorToCents(tx.balance);
    const amount = majorToCents(tx.amount);
    const before = balances.get(tx.account_id) ?? balance - balanceDeltaCents(tx.transaction_type, tx.account_type, amount, tx.status);
    if (firstLeg !== undefined && tx.transaction_type !== firstLeg.transaction_type) assert.fail(`transfer ${firstLeg.transaction_id} has no second leg`);
    if (tx.status === 'declined') {
      assert.equal(balance, before, 'a declined transaction moves no money');
      assert.equal(tx.transaction_type, 'withdraw');
    }
    switch (tx.transaction_type) {
      case 'deposit':
        assert.ok(amount > 0);
        assert.ok(['payroll', 'transfer', 'atm', 'branch', 'p2p', 'online', 'system'].includes(tx.channel), `deposit via ${tx.channel}`);
        if (tx.channel === 'payroll') {
          const day = new Date(tx.timestamp).getUTCDay();
          assert.ok(day >= 1 && day <= 5, `payroll on a weekend: ${tx.timestamp}`);
          assert.match(tx.counterparty_id ?? '', /^EXT-EMP\d{5}$/);
        }
        break;
      case 'withdraw':
        assert.ok(amount > 0);
        assert.ok(['atm', 'card', 'online', 'branch', 'p2p'].includes(tx.channel), `withdraw via ${tx.channel}`);
        assert.ok(balance >= -account.overdraftLimit, `${tx.account_id} beyond its overdraft`);
        if (tx.channel === 'atm') {
          assert.equal(amount % 20_00, 0, 'ATMs pay out $20 notes');
          assert.match(tx.counterparty_id ?? '', /^ATM-\d{4}$/);
        }
        if (tx.channel === 'card') {
          assert.match(tx.counterparty_id ?? '', /^MER-\d{5}$/);
          assert.ok(tx.merchant_category !== undefined);
        }
        if (tx.counterparty_id?.startsWith('PAY-')) assert.ok(['housing', 'utilities', 'telecom', 'insurance'].includes(tx.merchant_category ?? ''));
        break;
      case 'current_balance':
        assert.equal(amount, Math.max(0, balance));
        assert.equal(balance, before);
        break;
      case 'low_balance': {
        assert.equal(amount, Math.max(0, balance));
        assert.equal(balance, before);
        assert.ok(balance < account.lowBalanceThreshold);
        // Emitted right after the debit (withdraw or transfer leg) that took this account across the
        // threshold.
        const cause = lastEvent.get(tx.account_id) as Transaction;
        assert.equal(cause.timestamp, tx.timestamp);
        assert.ok(balanceDeltaCents(cause.transaction_type, cause.account_type, majorToCents(cause.amount), cause.status) < 0);
        assert.ok((balanceBeforeLast.get(tx.account_id) ?? 0) >= account.lowBalanceThreshold);
        break;
      }
      case 'checking_account':
      case 'savings_account': {
        // Own-account transfers come as two consecutive legs, debit first, of the same customer, amount
        // and type; the leg on the account the type names is the credit.
        if (firstLeg === undefined) {
          firstLeg = tx;
        } else {
          assert.equal(firstLeg.transaction_type, tx.transaction_type);
          assert.equal(firstLeg.customer_id, tx.customer_id);
          assert.notEqual(firstLeg.account_type, tx.account_type);
          assert.equal(firstLeg.amount, tx.amount);
          firstLeg = undefined;
        }
        assert.equal(tx.counterparty_id, undefined);
        const receiving = tx.transaction_type === 'checking_account' ? 'checking' : 'savings';
        assert.equal(balance - before, tx.account_type === receiving ? amount : -amount);
        break;
      }
    }
    balanceBeforeLast.set(tx.account_id, before);
    lastEvent.set(tx.account_id, tx);
    balances.set(tx.account_id, balance);
  }
  for (const type of TRANSACTION_TYPES) assert.ok((counts.get(type) ?? 0) > 0, `${type} never appears`);
});

test('normal life has declines: insufficient funds, the bank\'s fraud screen, mistyped PINs, lost cards', () => {
  const { events } = run(150_000, { fraudRate: 0, accounts: 1000 });
  const reasons = new Map<string, number>();
  for (const { value: tx } of events) if (tx.decline_reason) reasons.set(tx.decline_reason, (reasons.get(tx.decline_reason) ?? 0) + 1);
  for (const reason of ['insufficient_funds', 'suspected_fraud', 'invalid_pin', 'card_blocked']) assert.ok((reasons.get(reason) ?? 0) > 0, `no ${reason} decline`);
  const declined = [...reasons.values()].reduce((a, b) => a + b, 0);
  assert.ok(declined / events.length < 0.02, `${declined} declines`);
});

test('dormant accounts wake up: nothing but statements until then, then normal life', () => {
  const { sim, events } = run(300_000, { fraudRate: 0, accounts: 1000 });
  const end = Date.parse((events.at(-1) as SimEvent).value.timestamp);
  const sleepers = sim.customers.filter((c) => c.dormantDays > 0 && START + c.dormantDays * 86_400_000 < end - 20 * 86_400_000);
  assert.ok(sleepers.length >= 3, `${sleepers.length} sleepers wake within the run`);
  for (const customer of sleepers) {
    const wakeAt = Math.floor(START + customer.dormantDays * 86_400_000);
    const own = events.filter((e) => e.value.customer_id === customer.id && e.value.channel !== 'system');
    assert.ok(own.every((e) => Date.parse(e.value.timestamp) >= wakeAt), `${customer.id} active before waking`);
    assert.ok(own.length > 5, `${customer.id} never came back`);
  }
});

test('activity follows the clock: card purchases peak in the day and are rare before dawn', () => {
  const { events } = run(100_000);
  const byHour = new Array<number>(24).fill(0);
  for (const { value: tx } of events) if (tx.channel === 'card') byHour[new Date(tx.timestamp).getUTCHours()]! += 1;
  const night = (byHour[2] ?? 0) + (byHour[3] ?? 0) + (byHour[4] ?? 0);
  const evening = (byHour[17] ?? 0) + (byHour[18] ?? 0) + (byHour[19] ?? 0);
  assert.ok(evening > 5 * night, `evening ${evening} vs night ${night}`);
});

test('the simulated clock is independent of the wall clock and realistic in pace', () => {
  const { events } = run(30_000, { accounts: 1000 });
  const first = Date.parse((events[0] as SimEvent).value.timestamp);
  const last = Date.parse((events.at(-1) as SimEvent).value.timestamp);
  assert.ok(first >= START && first < START + 86_400_000);
  // 1000 accounts make a few thousand events a day, so 30k events cover several days.
  const days = (last - first) / 86_400_000;
  assert.ok(days > 3 && days < 30, `30k events span ${days} days`);
});

test('card amounts are right-skewed: the mean is well above the median', () => {
  const { events } = run(50_000);
  const amounts = events.filter((e) => e.value.channel === 'card' && e.value.transaction_type === 'withdraw').map((e) => e.value.amount).sort((a, b) => a - b);
  const median = amounts[Math.floor(amounts.length / 2)] ?? 0;
  const mean = amounts.reduce((s, a) => s + a, 0) / amounts.length;
  assert.ok(mean > 1.3 * median, `mean ${mean} median ${median}`);
});

test('without fraud every event is labelled normal', () => {
  const { events } = run(30_000, { fraudRate: 0 });
  assert.ok(events.every((e) => e.label === 'normal'));
});

test('rejects options that cannot describe a bank', () => {
  assert.throws(() => new Simulator({ seed: 1, accounts: 0 }), /accounts must be an integer >= 1/);
  assert.throws(() => new Simulator({ seed: 1, fraudRate: -0.1 }), /fraud rate must be "demo" or between 0 and 100000 incidents per 1,000 customers per year/);
  assert.throws(() => new Simulator({ seed: 1, startMs: Number.NaN }), /startMs/);
});
