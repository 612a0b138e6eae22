// The banking simulator: a discrete-event simulation over simulated time. Scheduled tasks (payroll,
// bills, statements, savings sweeps, fraud steps) sit in a time-ordered heap; unscheduled customer
// activity (card purchases, ATM visits, balance checks, ...) is a non-homogeneous Poisson process sampled
// by thinning against each profile's hour-of-week curve. The simulated clock advances with the events,
// never with the wall clock: the producer paces the events against the wall clock (`--speed`), so
// `--speed max` produces the same stream as `--speed 1`, only faster.

import { SIM_LABEL_HEADER } from './transaction.ts';
import type { AccountType, Channel, SimLabel, Transaction, TransactionType } from './transaction.ts';
import { accountsOf, AMOUNT_SIGMA, createPopulation } from './customers.ts';
import type { Account, Bill, Customer } from './customers.ts';
import { BACKGROUND_ACTIONS, PROFILE_NAMES, PROFILES, weeklyActivity } from './profiles.ts';
import type { BackgroundAction, ProfileName } from './profiles.ts';
import { DAY_MS, HOUR_MS, IsoFormatter, MINUTE_MS, hourOfWeek, nextBiweeklyFriday, nextMonthlyDate } from './calendar.ts';
import type { Cents } from './money.ts';
import { Rng } from './rng.ts';
import { Schedule } from './schedule.ts';
import { FraudPlanner } from './scenarios/fraud.ts';
import type { BankActions, FraudScenario } from './scenarios/fraud.ts';

export interface SimulatorOptions {
  seed: string | number;
  accounts?: number; // default 1000
  fraudRate?: number; // share of events that belong to a fraud scenario, 0..0.5; default 0
  startMs?: number; // simulated start time; default now
  currency?: string; // ISO 4217; default USD
}

export interface SimEvent {
  readonly key: string; // account_id: keeps one account's events in one partition, in order
  readonly value: Transaction;
  readonly atMs: number; // simulated time of the event, epoch ms (value.timestamp as a number)
  readonly label: SimLabel;
  readonly headers: Readonly<Record<string, string>>; // { 'sim-label': label }
}

// One frozen header object per label: events share them instead of allocating one each.
const LABEL_HEADERS: Readonly<Record<SimLabel, Readonly<Record<string, string>>>> = {
  normal: Object.freeze({ [SIM_LABEL_HEADER]: 'normal' }),
  account_takeover: Object.freeze({ [SIM_LABEL_HEADER]: 'account_takeover' }),
  card_testing: Object.freeze({ [SIM_LABEL_HEADER]: 'card_testing' }),
  large_withdrawal: Object.freeze({ [SIM_LABEL_HEADER]: 'large_withdrawal' }),
  mule_transfer: Object.freeze({ [SIM_LABEL_HEADER]: 'mule_transfer' }),
};

type Task =
  | { readonly kind: 'payroll'; readonly customer: Customer }
  | { readonly kind: 'bill'; readonly customer: Customer; readonly bill: Bill }
  | { readonly kind: 'statement'; readonly customer: Customer }
  | { readonly kind: 'sweep'; readonly customer: Customer; readonly amount: Cents }
  | { readonly kind: 'protect'; readonly customer: Customer }
  | { readonly kind: 'fraud'; readonly scenario: FraudScenario };

const STATEMENT_TIME_MS = 2 * HOUR_MS;

export class Simulator implements Iterator<SimEvent>, BankActions {
  readonly customers: readonly Customer[];
  readonly currency: string;
  readonly #rng: Rng;
  readonly #fraud: FraudPlanner | undefined;
  readonly #schedule = new Schedule<Task>();
  readonly #idPrefix: string;
  readonly #iso = new IsoFormatter();
  // Thinning: proposals arrive at the peak rate; each is kept with probability activity(now) / peak.
  readonly #activity: Readonly<Record<ProfileName, Float64Array>>;
  readonly #peakActivity: number;
  readonly #meanGapMs: number;
  readonly #cumulativeRate: Float64Array;
  readonly #actionThresholds: Readonly<Record<ProfileName, Float64Array>>;
  readonly #protectionPending: Uint8Array;
  #now: number;
  #nextBackgroundAt: number;
  #seq = 0;
  #label: SimLabel = 'normal';
  #scenario: FraudScenario | undefined;
  #queue: SimEvent[] = [];
  #head = 0;

  constructor(options: SimulatorOptions) {
    const master = new Rng(options.seed);
    this.customers = createPopulation(master.fork('population'), options.accounts ?? 1000);
    this.#rng = master.fork('behaviour');
    const fraudRate = options.fraudRate ?? 0;
    if (!(fraudRate >= 0 && fraudRate <= 0.5)) throw new RangeError(`fraudRate must be between 0 and 0.5, got ${fraudRate}`);
    this.#fraud = fraudRate > 0 ? new FraudPlanner(master.fork('fraud'), this.customers, fraudRate) : undefined;
    this.#idPrefix = `tx-${master.uint32().toString(16).padStart(8, '0')}-`;
    this.currency = options.currency ?? 'USD';
    this.#now = options.startMs ?? Date.now();
    if (!Number.isFinite(this.#now)) throw new RangeError('startMs must be a finite epoch time in milliseconds');

    const activity = {} as Record<ProfileName, Float64Array>;
    const thresholds = {} as Record<ProfileName, Float64Array>;
    let peak = 0;
    for (const name of PROFILE_NAMES) {
      const table = weeklyActivity(PROFILES[name]);
      activity[name] = table;
      for (const factor of table) peak = Math.max(peak, factor);
      const weights = PROFILES[name].actionWeights;
      const cumulative = new Float64Array(BACKGROUND_ACTIONS.length);
      let total = 0;
      BACKGROUND_ACTIONS.forEach((action, i) => {
        total += weights[action];
        cumulative[i] = total;
      });
      for (let i = 0; i < cumulative.length; i++) cumulative[i] = (cumulative[i] ?? 0) / total;
      thresholds[name] = cumulative;
    }
    this.#activity = activity;
    this.#actionThresholds = thresholds;
    this.#peakActivity = peak;
    this.#cumulativeRate = new Float64Array(this.customers.length);
    let perDay = 0;
    this.customers.forEach((customer, i) => {
      perDay += customer.eventsPerDay;
      this.#cumulativeRate[i] = perDay;
    });
    this.#meanGapMs = DAY_MS / (perDay * peak);
    this.#nextBackgroundAt = this.#now + this.#rng.exponential(this.#meanGapMs);
    this.#protectionPending = new Uint8Array(this.customers.length);

    for (const customer of this.customers) {
      this.#schedulePayroll(customer);
      for (const bill of customer.bills) this.#scheduleBill(customer, bill);
      this.#scheduleStatement(customer);
    }
  }

  // Simulated time of the latest event, epoch ms.
  get now(): number {
    return this.#now;
  }

  // The start of every transaction id of this bank, `tx-<8 hex from the seed>-`: the producer finds its
  // own bank's events on a topic by it.
  get idPrefix(): string {
    return this.#idPrefix;
  }

  get eventsEmitted(): number {
    return this.#seq;
  }

  // The stream never ends: callers stop after --count events or --duration.
  next(): IteratorResult<SimEvent> {
    return { done: false, value: this.nextEvent() };
  }

  nextEvent(): SimEvent {
    while (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
      this.#step();
    }
    return this.#queue[this.#head++] as SimEvent;
  }

  [Symbol.iterator](): Iterator<SimEvent> {
    return this;
  }

  take(count: number): SimEvent[] {
    const events: SimEvent[] = [];
    for (let i = 0; i < count; i++) events.push(this.nextEvent());
    return events;
  }

  #step(): void {
    const dueAt = this.#schedule.nextAt;
    if (dueAt <= this.#nextBackgroundAt) {
      this.#now = dueAt;
      this.#runTask(this.#schedule.pop() as Task);
    } else {
      this.#now = this.#nextBackgroundAt;
      this.#nextBackgroundAt += this.#rng.exponential(this.#meanGapMs);
      this.#background();
    }
  }

  #push(at: number, task: Task): void {
    this.#schedule.push(at, task);
  }

  // ---- scheduled tasks ----------------------------------------------------------------------------

  #schedulePayroll(customer: Customer): void {
    let at: number;
    switch (customer.profile.payroll) {
      case 'biweekly':
        at = nextBiweeklyFriday(this.#now, customer.payrollPhase, customer.payrollTimeOfDayMs);
        break;
      case 'semimonthly':
        at = nextMonthlyDate(this.#now, [15, 31], customer.payrollTimeOfDayMs, true);
        break;
      case 'monthly':
        at = nextMonthlyDate(this.#now, [31], customer.payrollTimeOfDayMs, true);
        break;
      case 'pension':
        at = nextMonthlyDate(this.#now, [3], customer.payrollTimeOfDayMs + 2 * HOUR_MS, true);
        break;
    }
    this.#push(at, { kind: 'payroll', customer });
  }

  #scheduleBill(customer: Customer, bill: Bill): void {
    this.#push(nextMonthlyDate(this.#now, [bill.dayOfMonth], bill.timeOfDayMs, true), { kind: 'bill', customer, bill });
  }

  #scheduleStatement(customer: Customer): void {
    const at = nextMonthlyDate(this.#now, [customer.statementDay], STATEMENT_TIME_MS + (customer.index % 3600) * 1000, false);
    this.#push(at, { kind: 'statement', customer });
  }

  #runTask(task: Task): void {
    const rng = this.#rng;
    switch (task.kind) {
      case 'payroll': {
        const { customer } = task;
        // Hourly pay varies a little with overtime; salaries and pensions do not.
        const pay = customer.profile.payroll === 'biweekly' ? Math.round(customer.payPerPeriod * rng.uniform(0.97, 1.05)) : customer.payPerPeriod;
        this.deposit(customer.checking, pay, 'payroll');
        if (customer.savings && customer.savingsRate > 0) {
          const amount = Math.round((pay * customer.savingsRate) / 100) * 100;
          if (amount > 0) this.#push(this.#now + rng.int(1, 8) * HOUR_MS + rng.int(0, 59) * MINUTE_MS, { kind: 'sweep', customer, amount });
        }
        this.#schedulePayroll(customer);
        return;
      }
      case 'bill': {
        const { customer, bill } = task;
        const amount = bill.variable ? Math.round(bill.amount * rng.uniform(0.8, 1.2)) : bill.amount;
        // A bill that would break the overdraft limit bounces: no money moves, so no event.
        if (amount > 0) this.withdraw(customer.checking, amount, 'online');
        this.#scheduleBill(customer, bill);
        return;
      }
      case 'statement':
        for (const account of accountsOf(task.customer)) this.inquiry(account, 'system');
        this.#scheduleStatement(task.customer);
        return;
      case 'sweep': {
        const { customer, amount } = task;
        // The standing order only moves money the customer can spare.
        if (customer.checking.balance - amount >= customer.checking.lowBalanceThreshold) this.transfer(customer, 'savings', amount, 'system');
        return;
      }
      case 'protect': {
        const { customer } = task;
        this.#protectionPending[customer.index] = 0;
        const savings = customer.savings;
        if (!savings) return;
        const wanted = Math.ceil((2 * customer.checking.lowBalanceThreshold - customer.checking.balance) / 50_00) * 50_00;
        const amount = Math.min(wanted, savings.balance);
        if (amount > 0) this.transfer(customer, 'checking', amount, 'system');
        return;
      }
      case 'fraud': {
        this.#advanceScenario(task.scenario);
        return;
      }
    }
  }

  #advanceScenario(scenario: FraudScenario): void {
    this.#label = scenario.label;
    this.#scenario = scenario;
    try {
      const step = scenario.script.next();
      if (step.done) this.#fraud?.finish(scenario);
      else this.#push(this.#now + step.value, { kind: 'fraud', scenario });
    } finally {
      this.#label = 'normal';
      this.#scenario = undefined;
    }
  }

  // ---- unscheduled customer activity --------------------------------------------------------------

  #pickCustomer(): Customer {
    const rates = this.#cumulativeRate;
    const target = this.#rng.next() * (rates[rates.length - 1] ?? 0);
    let lo = 0;
    let hi = rates.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((rates[mid] ?? 0) <= target) lo = mid + 1;
      else hi = mid;
    }
    return this.customers[lo] as Customer;
  }

  #background(): void {
    const rng = this.#rng;
    const customer = this.#pickCustomer();
    const profile = customer.profile;
    const activity = this.#activity[profile.name][hourOfWeek(this.#now)] ?? 0;
    if (rng.next() * this.#peakActivity >= activity) return;

    if (this.#fraud?.ready()) {
      // The incident is planned now; its script decides when its first event happens.
      this.#advanceScenario(this.#fraud.start(this));
    }

    const thresholds = this.#actionThresholds[profile.name];
    const r = rng.next();
    let index = 0;
    while (index < thresholds.length - 1 && r >= (thresholds[index] ?? 1)) index++;
    const action = BACKGROUND_ACTIONS[index] as BackgroundAction;
    const median = customer.medians[action];
    const checking = customer.checking;
    const savings = customer.savings;
    switch (action) {
      case 'card':
        this.withdraw(checking, Math.max(1_00, Math.round(rng.logNormal(median, AMOUNT_SIGMA.card))), 'card');
        return;
      case 'atm': {
        // ATMs dispense $20 notes, and cap a single withdrawal.
        const amount = Math.min(800_00, Math.max(20_00, Math.round(rng.logNormal(median, AMOUNT_SIGMA.atm) / 20_00) * 20_00));
        this.withdraw(checking, amount, 'atm');
        return;
      }
      case 'inquiry': {
        const account = savings && rng.chance(0.25) ? savings : checking;
        const channels = profile.inquiryChannels;
        const pick = rng.next() * (channels.online + channels.atm + channels.branch);
        this.inquiry(account, pick < channels.online ? 'online' : pick < channels.online + channels.atm ? 'atm' : 'branch');
        return;
      }
      case 'cash_deposit':
        this.deposit(checking, Math.max(5_00, Math.round(rng.logNormal(median, AMOUNT_SIGMA.cash_deposit) / 100) * 100), rng.chance(0.6) ? 'atm' : 'branch');
        return;
      case 'transfer_in':
        this.deposit(checking, Math.max(10_00, Math.round(rng.logNormal(median, AMOUNT_SIGMA.transfer_in))), 'transfer');
        return;
      case 'from_savings':
        // Dipping into savings happens when checking is getting thin, not at random.
        if (savings && savings.balance > 0 && checking.balance < customer.monthlyNetIncome / 2) {
          const amount = Math.min(savings.balance, Math.max(10_00, Math.round(rng.logNormal(median, AMOUNT_SIGMA.from_savings) / 10_00) * 10_00));
          this.transfer(customer, 'checking', amount, 'online');
        }
        return;
      case 'to_savings':
        if (savings && checking.balance > customer.monthlyNetIncome) {
          const spare = checking.balance - Math.round(customer.monthlyNetIncome / 2);
          const amount = Math.min(spare, Math.max(10_00, Math.round(rng.logNormal(median, AMOUNT_SIGMA.to_savings) / 10_00) * 10_00));
          this.transfer(customer, 'savings', amount, 'online');
        }
        return;
    }
  }

  // ---- ledger: the only code that changes balances, each change paired with its event -----------

  available(account: Account): Cents {
    return account.balance + account.overdraftLimit;
  }

  deposit(account: Account, amount: Cents, channel: Channel): void {
    this.#open(account);
    account.balance += amount;
    this.#emit(account, 'deposit', amount, channel);
  }

  withdraw(account: Account, amount: Cents, channel: Channel): boolean {
    this.#open(account);
    if (amount <= 0 || account.balance - amount < -account.overdraftLimit) return false;
    const before = account.balance;
    account.balance -= amount;
    this.#emit(account, 'withdraw', amount, channel);
    this.#checkLowBalance(account, before);
    return true;
  }

  // Between a customer's own accounts: one event per leg, both named by the receiving account. Transfers
  // never dip into an overdraft.
  transfer(customer: Customer, to: AccountType, amount: Cents, channel: Channel): boolean {
    const savings = customer.savings;
    if (!savings) return false;
    const from = to === 'checking' ? savings : customer.checking;
    const into = to === 'checking' ? customer.checking : savings;
    this.#open(from);
    this.#open(into);
    if (amount <= 0 || from.balance < amount) return false;
    const type: TransactionType = to === 'checking' ? 'checking_account' : 'savings_account';
    const before = from.balance;
    from.balance -= amount;
    this.#emit(from, type, amount, channel);
    into.balance += amount;
    this.#emit(into, type, amount, channel);
    this.#checkLowBalance(from, before);
    return true;
  }

  inquiry(account: Account, channel: Channel): void {
    this.#open(account);
    this.#emit(account, 'current_balance', Math.max(0, account.balance), channel);
  }

  // An account enters the stream with one deposit of its opening balance (migrated in from the core
  // ledger), so the sum of an account's deltas always equals its balance.
  #open(account: Account): void {
    if (account.opened) return;
    account.opened = true;
    account.balance += account.openingBalance;
    this.#emit(account, 'deposit', account.openingBalance, 'transfer', 'normal');
  }

  // low_balance fires once, when a debit takes the balance from at-or-above the threshold to below it.
  #checkLowBalance(account: Account, before: Cents): void {
    const threshold = account.lowBalanceThreshold;
    if (before < threshold || account.balance >= threshold) return;
    // Amounts are never negative on the wire; an overdrawn balance shows in `balance`.
    this.#emit(account, 'low_balance', Math.max(0, account.balance), 'system');
    const customer = this.customers[account.customerIndex];
    if (account.type === 'checking' && customer?.overdraftProtection && customer.savings && this.#protectionPending[customer.index] === 0) {
      this.#protectionPending[customer.index] = 1;
      this.#push(this.#now + this.#rng.int(1, 30) * MINUTE_MS, { kind: 'protect', customer });
    }
  }

  #emit(account: Account, type: TransactionType, amount: Cents, channel: Channel, label: SimLabel = this.#label): void {
    const value: Transaction = {
      transaction_id: this.#idPrefix + String(this.#seq++).padStart(10, '0'),
      timestamp: this.#iso.format(this.#now),
      account_id: account.id,
      customer_id: account.customerId,
      account_type: account.type,
      transaction_type: type,
      amount: amount / 100,
      balance: account.balance / 100,
      currency: this.currency,
      channel,
    };
    this.#queue.push({ key: account.id, value, atMs: this.#now, label, headers: LABEL_HEADERS[label] });
    this.#fraud?.recordEvent(label === 'normal' ? undefined : this.#scenario);
  }
}
