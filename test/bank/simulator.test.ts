import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulator } from '../../src/bank/simulator.ts';
import type { SimEvent } from '../../src/bank/simulator.ts';
import { balanceDeltaCents } from '../../src/bank/ledger.ts';
import { accountsOf } from '../../src/bank/customers.ts';
import type { Account } from '../../src/bank/customers.ts';
import { hasAtMostTwoDecimals, majorToCents } from '../../src/bank/money.ts';
import { ACCOUNT_TYPES, CHANNELS, SIM_LABEL_HEADER, SIM_LABELS, TRANSACTION_TYPES } from '../../src/bank/transaction.ts';
import type { Transaction, TransactionType } from '../../src/bank/transaction.ts';

const START = Date.UTC(2025, 0, 6); // a Monday

function run(count: number, options: { seed?: string; accounts?: number; fraudRate?: number } = {}): { sim: Simulator; events: SimEvent[] } {
  const sim = new Simulator({ seed: options.seed ?? 'test', accounts: options.accounts ?? 300, fraudRate: options.fraudRate ?? 0, startMs: START });
  return { sim, events: sim.take(count) };
}

function accountIndex(sim: Simulator): Map<string, Account> {
  return new Map(sim.customers.flatMap(accountsOf).map((account) => [account.id, account]));
}

test('the same seed and start give an identical event sequence; another seed does not', () => {
  const a = run(20_000, { seed: 'same', fraudRate: 0.01 }).events;
  const b = run(20_000, { seed: 'same', fraudRate: 0.01 }).events;
  assert.deepEqual(a, b);
  const c = run(2_000, { seed: 'other', fraudRate: 0.01 }).events;
  assert.notDeepEqual(
    c.map((e) => e.value.amount),
    a.slice(0, 2_000).map((e) => e.value.amount),
  );
});

test('every event is a valid message: schema fields, key, header, ordered timestamps', () => {
  const { sim, events } = run(50_000, { fraudRate: 0.01 });
  const fields = ['transaction_id', 'timestamp', 'account_id', 'customer_id', 'account_type', 'transaction_type', 'amount', 'balance', 'currency', 'channel'];
  const accounts = accountIndex(sim);
  const ids = new Set<string>();
  let previous = START;
  for (const event of events) {
    const tx = event.value;
    assert.deepEqual(Object.keys(tx), fields);
    const parsed: unknown = JSON.parse(JSON.stringify(tx));
    assert.deepEqual(parsed, tx);
    assert.equal(event.key, tx.account_id);
    assert.deepEqual(event.headers, { [SIM_LABEL_HEADER]: event.label });
    assert.ok(SIM_LABELS.includes(event.label));
    assert.ok(TRANSACTION_TYPES.includes(tx.transaction_type));
    assert.ok(ACCOUNT_TYPES.includes(tx.account_type));
    assert.ok(CHANNELS.includes(tx.channel));
    assert.equal(tx.currency, 'USD');
    assert.ok(tx.amount >= 0 && hasAtMostTwoDecimals(tx.amount), `amount ${tx.amount}`);
    assert.ok(hasAtMostTwoDecimals(tx.balance), `balance ${tx.balance}`);
    assert.match(tx.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const time = Date.parse(tx.timestamp);
    assert.ok(time >= previous, `${tx.timestamp} goes back in time`);
    previous = time;
    assert.ok(!ids.has(tx.transaction_id), `duplicate ${tx.transaction_id}`);
    ids.add(tx.transaction_id);
    const account = accounts.get(tx.account_id);
    assert.ok(account, `unknown account ${tx.account_id}`);
    assert.equal(account.type, tx.account_type);
    assert.equal(account.customerId, tx.customer_id);
  }
});

test('balances reconcile: each event continues its account chain and deltas sum to the final balance', () => {
  const { sim, events } = run(150_000, { fraudRate: 0.005 });
  const sums = new Map<string, number>();
  for (const { value: tx } of events) {
    const before = sums.get(tx.account_id) ?? 0;
    const after = before + balanceDeltaCents(tx.transaction_type, tx.account_type, majorToCents(tx.amount));
    assert.equal(majorToCents(tx.balance), after, `${tx.transaction_id} ${tx.transaction_type} breaks the chain of ${tx.account_id}`);
    sums.set(tx.account_id, after);
  }
  for (const account of sim.customers.flatMap(accountsOf)) {
    assert.equal(sums.get(account.id) ?? 0, account.balance, `${account.id}: deltas do not sum to the final balance`);
  }
  // 150k events over 300 accounts span months: every account has had a statement, so all are open.
  assert.equal(sums.size, 300);
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
    const before = balances.get(tx.account_id) ?? 0;
    const balance = majorToCents(tx.balance);
    const amount = majorToCents(tx.amount);
    if (firstLeg !== undefined && tx.transaction_type !== firstLeg.transaction_type) assert.fail(`transfer ${firstLeg.transaction_id} has no second leg`);
    switch (tx.transaction_type) {
      case 'deposit':
        assert.ok(amount > 0);
        assert.ok(['payroll', 'transfer', 'atm', 'branch'].includes(tx.channel), `deposit via ${tx.channel}`);
        if (tx.channel === 'payroll') {
          const day = new Date(tx.timestamp).getUTCDay();
          assert.ok(day >= 1 && day <= 5, `payroll on a weekend: ${tx.timestamp}`);
        }
        break;
      case 'withdraw':
        assert.ok(amount > 0);
        assert.ok(['atm', 'card', 'online', 'branch'].includes(tx.channel), `withdraw via ${tx.channel}`);
        assert.ok(balance >= -account.overdraftLimit, `${tx.account_id} beyond its overdraft`);
        if (tx.channel === 'atm') assert.equal(amount % 20_00, 0, 'ATMs pay out $20 notes');
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
        assert.ok(balanceDeltaCents(cause.transaction_type, cause.account_type, majorToCents(cause.amount)) < 0);
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
  assert.throws(() => new Simulator({ seed: 1, fraudRate: -0.1 }), /fraudRate must be between 0 and 0.5/);
  assert.throws(() => new Simulator({ seed: 1, startMs: Number.NaN }), /startMs/);
});
