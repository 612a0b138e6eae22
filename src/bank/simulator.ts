// The banking simulator: a discrete-event simulation over simulated time. Scheduled tasks (payroll,
// bills, statements, savings sweeps, follow-up purchases, fraud steps, reimbursements) sit in a
// time-ordered heap; unscheduled customer activity (card purchases, ATM visits, transfers to friends,
// balance checks, ...) is a non-homogeneous Poisson process over each profile's hour-of-week curve,
// sampled exactly (no rejected proposals). The simulated clock advances with the events, never with the wall clock: the
// producer paces the events against the wall clock (`--speed`), so the same seed and start always give the
// same stream, whatever the pace it is sent at.
//
// Customers join mid-life (see customers.ts) and the world runs unseen for WARM_UP_MS before `startMs`
// (fraud incidents and the longer episodes of normal life for EPISODE_WARM_UP_MS), so the first emitted events already continue balances, pay
// cycles and incidents in progress, while the warm-up costs the same whatever the run length.

import type { AccountType, Channel, DeclineReason, MerchantCategory, TransactionType } from './transaction.ts';
import { accountsOf, AMOUNT_SIGMA, createPopulation, FOLLOW_UP_CHANCE } from './customers.ts';
import type { Account, Bill, Customer } from './customers.ts';
import { BACKGROUND_ACTIONS, PROFILE_NAMES, PROFILES, weeklyActivity } from './profiles.ts';
import type { BackgroundAction, Profile, ProfileName } from './profiles.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, hourOfWeek, nextBiweeklyFriday, nextMonthlyDate } from './calendar.ts';
import type { Cents } from './money.ts';
import { Rng } from './rng.ts';
import { Schedule } from './schedule.ts';
import { AliasTable } from './alias-table.ts';
import { CARD_CATEGORY_LIST, purchaseAmount, World } from './counterparties.ts';
import { externalAccount, FraudPlanner } from './scenarios/fraud.ts';
import type { BankActions, Incident, ScenarioScript } from './scenarios/fraud.ts';
import { LifeEvents } from './life-events.ts';
import { EventContext, SimEvent } from './sim-event.ts';
import type { Counterparty } from './counterparties.ts';

export { SimEvent } from './sim-event.ts';

export interface SimulatorOptions {
  seed: string | number;
  accounts?: number; // default 1000
  // Fraud incidents per 1,000 customers per simulated year (see FRAUD_RATE_DEMO for `'demo'`); default 0.
  fraudRate?: number | 'demo';
  startMs?: number; // simulated time of the first emitted event; default now
  currency?: string; // ISO 4217; default USD
}

type Task =
  | { readonly kind: 'payroll'; readonly customer: Customer }
  | { readonly kind: 'bill'; readonly customer: Customer; readonly bill: Bill }
  | { readonly kind: 'statement'; readonly customer: Customer }
  | { readonly kind: 'sweep'; readonly customer: Customer; readonly amount: Cents }
  | { readonly kind: 'protect'; readonly customer: Customer }
  | { readonly kind: 'purchase'; readonly customer: number; readonly merchant: number; readonly amount: Cents } // customer: its number
  | { readonly kind: 'wake'; readonly customer: Customer }
  | { readonly kind: 'reimburse'; readonly customer: Customer; readonly amount: Cents }
  | { readonly kind: 'script'; readonly script: ScenarioScript; readonly incident: Incident | undefined }
  | { readonly kind: 'incident' }
  | { readonly kind: 'life' };

const STATEMENT_TIME_MS = 2 * HOUR_MS;
const WARM_UP_MS = 6 * HOUR_MS;
const EPISODE_WARM_UP_MS = 10 * DAY_MS;
// Card limits: an ATM pays out at most this much at once; transfers to other people are capped per payment.
const ATM_LIMIT: Cents = 800_00;
const TRANSFER_LIMIT: Cents = 5_000_00;
// Chance per card use that the customer reports the card lost (then it is refused until replaced).
const CARD_LOST_CHANCE = 0.00003;
const CARD_REPLACEMENT_MS = 5 * DAY_MS;
// Chance that money transferred in comes from someone who never sent any before.
const NEW_SENDER_CHANCE = 0.2;
const ACTIONS = BACKGROUND_ACTIONS.length;
const CARD = BACKGROUND_ACTIONS.indexOf('card');

export class Simulator implements Iterator<SimEvent>, BankActions {
  readonly customers: readonly Customer[];
  readonly currency: string;
  readonly world: World;
  readonly #rng: Rng;
  readonly #fraud: FraudPlanner | undefined;
  readonly #life: LifeEvents;
  readonly #schedule = new Schedule<Task>();
  readonly #context: EventContext;
  readonly #startMs: number;
  // Unscheduled activity, sampled exactly rather than by thinning: the rate of each profile is constant
  // within an hour of the week, so the next action's time comes from the summed rate hour by hour, then
  // the profile by its share of that hour, then the customer from the profile's alias table.
  readonly #ratePerMs: Float64Array; // [hour of week]: actions per ms of all customers together
  readonly #profileShare: Float64Array; // [hour * profiles + profile]: cumulative share of that hour's actions
  readonly #pickers: readonly (AliasTable | undefined)[]; // [profile]: its customers weighted by their activity (none: no customers)
  readonly #actionThresholds: readonly Float64Array[]; // [profile]: cumulative action probabilities
  // [action * customers + customer]: each customer's median amount per background action (customer.medians).
  // A customer's medians are an object of their own, and reading one cost a cache miss on nearly every
  // purchase; one action's medians for the whole population side by side mostly stay in cache.
  readonly #medians: Float64Array;
  // [2 * customer]: the checking account, [2 * customer + 1]: the savings account if any (accountIndexOf's
  // numbering). Unscheduled activity (card purchases, balance checks, ATM visits) reads these, the profile
  // by its number and the typed arrays here by customer number, and never touches the Customer object, a
  // cache miss of its own.
  readonly #accounts: readonly (Account | undefined)[];
  readonly #profiles: readonly Profile[]; // [profile number]
  #bgHour = 0; // hour of the week of #nextBackgroundAt
  #bgHourEndMs = 0; // when that hour ends
  readonly #protectionPending: Uint8Array;
  readonly #awake: Uint8Array;
  // [customer]: the card (debit card and card number) is refused until then: reported lost, or blocked
  // after fraud. As a field of Customer the time was a heap number of its own, a cache miss per card use.
  readonly #cardBlockedUntil: Float64Array;
  #now: number;
  #nextBackgroundAt: number;
  #seq = 0;
  #incident: Incident | undefined;
  // Events of the current step: [head, tail) not yet returned. Emptied by resetting the indexes; the old
  // `length = 0` freed the array's backing store, so every step's first push allocated a new one.
  readonly #queue: SimEvent[] = [];
  #head = 0;
  #tail = 0;

  constructor(options: SimulatorOptions) {
    const master = new Rng(options.seed);
    this.customers = createPopulation(master.fork('population'), options.accounts ?? 1000);
    this.#rng = master.fork('behaviour');
    this.world = new World(master.fork('world'), this.customers.length);
    const fraudRng = master.fork('fraud');
    const idPrefix = `tx-${master.uint32().toString(16).padStart(8, '0')}-`;
    this.currency = options.currency ?? 'USD';
    this.#context = new EventContext(idPrefix, this.currency);
    this.#startMs = options.startMs ?? Date.now();
    if (!Number.isFinite(this.#startMs)) throw new RangeError('startMs must be a finite epoch time in milliseconds');
    const fraudRate = options.fraudRate ?? 0;
    this.#fraud = fraudRate === 0 ? undefined : new FraudPlanner(fraudRng, this.customers, this.world, fraudRate);
    this.#life = new LifeEvents(master.fork('life'), this.customers, this.world);

    const profiles = PROFILE_NAMES.length;
    const profileOf = new Map<ProfileName, number>(PROFILE_NAMES.map((name, i) => [name, i]));
    const members: number[][] = PROFILE_NAMES.map(() => []);
    const perDay = new Float64Array(profiles);
    for (const customer of this.customers) {
      const p = profileOf.get(customer.profile.name) as number;
      members[p]?.push(customer.index);
      perDay[p] = (perDay[p] ?? 0) + customer.backgroundPerDay;
    }
    this.#pickers = members.map((list) => list.length === 0 ? undefined : new AliasTable(Int32Array.from(list), list.map((i) => (this.customers[i] as Customer).backgroundPerDay)));
    this.#ratePerMs = new Float64Array(168);
    this.#profileShare = new Float64Array(168 * profiles);
    const activity = PROFILE_NAMES.map((name) => weeklyActivity(PROFILES[name]));
    for (let h = 0; h < 168; h++) {
      let total = 0;
      for (let p = 0; p < profiles; p++) total += (perDay[p] ?? 0) * (activity[p]?.[h] ?? 0);
      this.#ratePerMs[h] = total / DAY_MS;
      let cumulative = 0;
      for (let p = 0; p < profiles; p++) {
        cumulative += (perDay[p] ?? 0) * (activity[p]?.[h] ?? 0);
        this.#profileShare[h * profiles + p] = total > 0 ? cumulative / total : 1;
      }
    }
    this.#actionThresholds = PROFILE_NAMES.map((name) => {
      const weights = PROFILES[name].actionWeights;
      const cumulative = new Float64Array(BACKGROUND_ACTIONS.length);
      let total = 0;
      BACKGROUND_ACTIONS.forEach((action, i) => {
        total += weights[action];
        cumulative[i] = total;
      });
      for (let i = 0; i < cumulative.length; i++) cumulative[i] = (cumulative[i] ?? 0) / total;
      return cumulative;
    });
    this.#medians = new Float64Array(this.customers.length * ACTIONS);
    for (const customer of this.customers) {
      BACKGROUND_ACTIONS.forEach((action, i) => (this.#medians[i * this.customers.length + customer.index] = customer.medians[action]));
    }
    this.#accounts = this.customers.flatMap((customer) => [customer.checking, customer.savings]);
    this.#profiles = PROFILE_NAMES.map((name) => PROFILES[name]);
    this.#protectionPending = new Uint8Array(this.customers.length);
    this.#awake = new Uint8Array(this.customers.length);
    this.#cardBlockedUntil = new Float64Array(this.customers.length);

    // The world starts running unseen a little before startMs; fraud, whose incidents last days, earlier.
    this.#now = this.#startMs - WARM_UP_MS;
    this.#bgHour = hourOfWeek(this.#now);
    this.#bgHourEndMs = Math.floor(this.#now / HOUR_MS) * HOUR_MS + HOUR_MS;
    this.#nextBackgroundAt = this.#now;
    this.#advanceBackground();
    for (const customer of this.customers) {
      this.#placeInPayCycle(customer);
      this.#scheduleStatement(customer);
      if (customer.dormantDays > 0) {
        this.#push(this.#startMs + customer.dormantDays * DAY_MS, { kind: 'wake', customer });
      } else {
        this.#wake(customer);
      }
    }
    // Episodes that last days (fraud, the larger moments of normal life) start earlier still.
    const from = this.#startMs - EPISODE_WARM_UP_MS;
    if (this.#fraud) this.#push(this.#fraud.nextIncidentAt(from), { kind: 'incident' });
    this.#push(this.#life.nextAt(from), { kind: 'life' });
    while (this.#schedule.nextAt < this.#startMs || this.#nextBackgroundAt < this.#startMs) this.#step();
  }

  // Simulated time of the latest event, epoch ms.
  get now(): number {
    return this.#now;
  }

  // The start of every transaction id of this bank, `tx-<8 hex from the seed>-`: the producer finds its
  // own bank's events on a topic by it.
  get idPrefix(): string {
    return this.#context.idPrefix;
  }

  get eventsEmitted(): number {
    return this.#seq;
  }

  // The stream never ends: callers stop after --count events or --duration.
  next(): IteratorResult<SimEvent> {
    return { done: false, value: this.nextEvent() };
  }

  nextEvent(): SimEvent {
    while (this.#head === this.#tail) {
      this.#head = 0;
      this.#tail = 0;
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
      const hour = this.#bgHour;
      this.#advanceBackground();
      this.#background(hour);
    }
  }

  #push(at: number, task: Task): void {
    this.#schedule.push(at, task);
  }

  // ---- scheduled tasks ----------------------------------------------------------------------------

  #nextPayday(customer: Customer, after: number): number {
    switch (customer.profile.payroll) {
      case 'biweekly':
        return nextBiweeklyFriday(after, customer.payrollPhase, customer.payrollTimeOfDayMs);
      case 'semimonthly':
        return nextMonthlyDate(after, [15, 31], customer.payrollTimeOfDayMs, true);
      case 'monthly':
        return nextMonthlyDate(after, [31], customer.payrollTimeOfDayMs, true);
      case 'pension':
        return nextMonthlyDate(after, [3], customer.payrollTimeOfDayMs + 2 * HOUR_MS, true);
    }
  }

  // Checking holds the customer's buffer plus what is left of the last pay: full just after payday,
  // nearly spent just before the next one.
  #placeInPayCycle(customer: Customer): void {
    const next = this.#nextPayday(customer, this.#now);
    const periodMs = customer.profile.payroll === 'biweekly' ? 14 * DAY_MS : customer.profile.payroll === 'semimonthly' ? 15.2 * DAY_MS : 30.4 * DAY_MS;
    const left = Math.min(1, Math.max(0, (next - this.#now) / periodMs));
    customer.checking.balance += Math.round(customer.payPerPeriod * 0.8 * left);
  }

  #wake(customer: Customer): void {
    this.#awake[customer.index] = 1;
    this.#push(this.#nextPayday(customer, this.#now), { kind: 'payroll', customer });
    for (const bill of customer.bills) this.#scheduleBill(customer, bill);
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
        this.deposit(customer.checking, pay, 'payroll', this.world.employer(customer.index));
        if (customer.savings && customer.savingsRate > 0) {
          const amount = Math.round((pay * customer.savingsRate) / 100) * 100;
          if (amount > 0) this.#push(this.#now + rng.int(1, 8) * HOUR_MS + rng.int(0, 59) * MINUTE_MS, { kind: 'sweep', customer, amount });
        }
        this.#push(this.#nextPayday(customer, this.#now), { kind: 'payroll', customer });
        return;
      }
      case 'bill': {
        const { customer, bill } = task;
        const amount = bill.variable ? Math.round(bill.amount * rng.uniform(0.8, 1.2)) : bill.amount;
        // A bill that would break the overdraft limit bounces: a declined payment, no money moves.
        if (amount > 0) this.withdraw(customer.checking, amount, 'online', this.world.payee(bill.category, customer.index), bill.category);
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
      case 'purchase':
        this.#purchase(task.customer, task.merchant, task.amount);
        return;
      case 'wake': {
        // Back after months away: a look at the balance first, then life as before.
        const { customer } = task;
        this.inquiry(customer.checking, rng.chance(0.7) ? 'online' : 'branch');
        this.#wake(customer);
        return;
      }
      case 'reimburse':
        this.deposit(task.customer.checking, task.amount, 'system');
        return;
      case 'script':
        this.#advance(task.script, task.incident);
        return;
      case 'incident': {
        const fraud = this.#fraud as FraudPlanner;
        const incident = fraud.start(this);
        if (incident) this.#advance(incident.script, incident);
        this.#push(fraud.nextIncidentAt(this.#now), { kind: 'incident' });
        return;
      }
      case 'life': {
        const script = this.#life.start(this);
        if (script) this.#advance(script, undefined);
        this.#push(this.#life.nextAt(this.#now), { kind: 'life' });
        return;
      }
    }
  }

  // One step of an episode's script; a fraud incident's steps are labelled with it (and may be sped up).
  #advance(script: ScenarioScript, incident: Incident | undefined): void {
    this.#incident = incident;
    try {
      const step = script.next();
      if (!step.done) this.#push(this.#now + (incident ? step.value / (this.#fraud as FraudPlanner).tempo : step.value), { kind: 'script', script, incident });
    } finally {
      this.#incident = undefined;
    }
  }

  // ---- what a fraud script may ask of the bank, beyond the ledger ---------------------------------

  isAwake(customer: Customer): boolean {
    return this.#awake[customer.index] === 1;
  }

  isCardBlocked(customer: Customer): boolean {
    return this.#cardBlocked(customer.index);
  }

  #cardBlocked(customer: number): boolean {
    return (this.#cardBlockedUntil[customer] as number) > this.#now;
  }

  // The customer (or the bank) noticed: the card is refused until a new one arrives, and the bank pays
  // the money back some days later. Both are the bank's acts, not the fraudster's: they carry no label.
  confirmFraud(customer: Customer, blockCardForMs: number, reimburse: Cents, reimburseAfterMs: number): void {
    if (blockCardForMs > 0) this.#cardBlockedUntil[customer.index] = Math.max(this.#cardBlockedUntil[customer.index] as number, this.#now + blockCardForMs);
    if (reimburse > 0) this.#push(this.#now + reimburseAfterMs, { kind: 'reimburse', customer, amount: reimburse });
  }

  // ---- unscheduled customer activity --------------------------------------------------------------

  // The time of the next unscheduled action: an exponential amount of work (in expected actions) spent
  // hour by hour at each hour's rate.
  #advanceBackground(): void {
    let work = this.#rng.exponential(1);
    let at = this.#nextBackgroundAt;
    for (;;) {
      const rate = this.#ratePerMs[this.#bgHour] ?? 0;
      const room = rate * (this.#bgHourEndMs - at);
      if (work < room) {
        this.#nextBackgroundAt = at + work / rate;
        return;
      }
      work -= room;
      at = this.#bgHourEndMs;
      this.#bgHourEndMs += HOUR_MS;
      this.#bgHour = this.#bgHour === 167 ? 0 : this.#bgHour + 1;
    }
  }

  // A card purchase: at one of the customer's habitual merchants most of the time, somewhere new now
  // and then; the amount follows the customer's own typical purchase scaled by the merchant's category.
  #cardPurchase(customer: number): void {
    const rng = this.#rng;
    const world = this.world;
    const merchant = rng.chance(0.7) ? world.habitualMerchant(customer, rng.int(0, world.habitCount(customer) - 1)) : world.anyMerchant(rng.next(), rng.next());
    const category = world.merchantCategory[merchant] ?? 0;
    const amount = purchaseAmount(rng, this.#cardMedian(customer), category, 50);
    this.#purchase(customer, merchant, amount);
  }

  #cardMedian(customer: number): Cents {
    return this.#medians[CARD * this.customers.length + customer] as number;
  }

  #purchase(customer: number, merchant: number, amount: Cents): void {
    const rng = this.#rng;
    const category = CARD_CATEGORY_LIST[this.world.merchantCategory[merchant] ?? 0] as MerchantCategory;
    const checking = this.#accounts[2 * customer] as Account;
    if (this.#cardBlocked(customer)) {
      // A customer who knows the card is blocked rarely tries it; the ones who forget are refused.
      if (rng.chance(0.25)) this.decline(checking, 'withdraw', amount, 'card', 'card_blocked', merchant, category);
      return;
    }
    // The bank's own fraud screen sometimes stops an unusually large purchase; the customer confirms it
    // was them and buys again a few minutes later.
    if (amount > 6 * this.#cardMedian(customer) && rng.chance(0.04)) {
      this.decline(checking, 'withdraw', amount, 'card', 'suspected_fraud', merchant, category);
      this.#push(this.#now + rng.int(2, 20) * MINUTE_MS, { kind: 'purchase', customer, merchant, amount });
      return;
    }
    const declined = this.withdraw(checking, amount, 'card', merchant, category);
    if (declined === 'insufficient_funds') {
      // Split the bill: pay part by card right away, or give up.
      if (rng.chance(0.4)) this.#push(this.#now + rng.int(8, 50) * 1000, { kind: 'purchase', customer, merchant, amount: Math.max(50, Math.round(amount * rng.uniform(0.3, 0.7))) });
      return;
    }
    if (declined) return;
    // A skimmer on the terminal may copy the card: the copy's use later is a fraud incident of its own.
    if (this.#fraud?.skimming[merchant] === 1) {
      const copy = this.#fraud.cardRead(this, this.customers[customer] as Customer, merchant);
      if (copy) this.#advance(copy.script, copy);
    }
    if (rng.chance(CARD_LOST_CHANCE)) this.#cardBlockedUntil[customer] = this.#now + CARD_REPLACEMENT_MS;
    // Shopping sessions: another purchase within the minute, often at the same place (a tip, a second
    // basket, the shop next door).
    if (rng.chance(FOLLOW_UP_CHANCE)) {
      const next = rng.chance(0.5) ? merchant : this.world.habitualMerchant(customer, rng.int(0, this.world.habitCount(customer) - 1));
      const nextCategory = this.world.merchantCategory[next] ?? 0;
      const nextAmount = purchaseAmount(rng, this.#cardMedian(customer), nextCategory, 50, 0.6);
      this.#push(this.#now + rng.int(5, 55) * 1000, { kind: 'purchase', customer, merchant: next, amount: nextAmount });
    }
  }

  #background(hour: number): void {
    const rng = this.#rng;
    const profiles = PROFILE_NAMES.length;
    const share = this.#profileShare;
    const r = rng.next();
    let p = 0;
    while (p < profiles - 1 && r >= (share[hour * profiles + p] ?? 1)) p++;
    const picker = this.#pickers[p];
    if (!picker) return;
    const who = picker.pick(rng.next()); // the customer's number
    if (this.#awake[who] === 0) return;

    const thresholds = this.#actionThresholds[p] as Float64Array;
    const u = rng.next();
    let index = 0;
    while (index < thresholds.length - 1 && u >= (thresholds[index] ?? 1)) index++;
    if (index === CARD) {
      this.#cardPurchase(who);
      return;
    }
    const action = BACKGROUND_ACTIONS[index] as BackgroundAction;
    const median = this.#medians[index * this.customers.length + who] as number; // customer.medians[action]
    const customer = this.customers[who] as Customer; // read only by the rarer actions below
    const checking = this.#accounts[2 * who] as Account;
    const savings = this.#accounts[2 * who + 1];
    switch (action) {
      case 'atm': {
        // ATMs dispense $20 notes, and cap a single withdrawal; a mistyped PIN is tried again.
        const amount = Math.min(ATM_LIMIT, Math.max(20_00, Math.round(rng.logNormal(median, AMOUNT_SIGMA.atm) / 20_00) * 20_00));
        const atm = rng.chance(0.85) ? this.world.homeAtm(who, rng.int(0, 1)) : (this.world.atmIds[rng.int(0, this.world.atmIds.length - 1)] as string);
        if (!this.#cardBlocked(who) && rng.chance(0.01)) this.decline(checking, 'withdraw', amount, 'atm', 'invalid_pin', atm);
        this.withdraw(checking, amount, 'atm', atm);
        return;
      }
      case 'inquiry': {
        const account = savings && rng.chance(0.25) ? savings : checking;
        const channels = (this.#profiles[p] as Profile).inquiryChannels;
        const pick = rng.next() * (channels.online + channels.atm + channels.branch);
        this.inquiry(account, pick < channels.online ? 'online' : pick < channels.online + channels.atm ? 'atm' : 'branch');
        return;
      }
      case 'cash_deposit': {
        // Now and then a lot of cash at once (a car sold, a cash gift, takings from a side business).
        const large = rng.chance(0.04);
        const amount = Math.max(5_00, Math.round(rng.logNormal(large ? customer.monthlyNetIncome * 0.6 : median, AMOUNT_SIGMA.cash_deposit) / 100) * 100);
        this.deposit(checking, amount, rng.chance(large ? 0.3 : 0.6) ? 'atm' : 'branch');
        return;
      }
      case 'transfer_in':
        // Mostly the usual senders (family, a side job); now and then someone new: a refund, something
        // sold online, an insurance payout, often larger.
        if (rng.chance(NEW_SENDER_CHANCE)) this.deposit(checking, Math.max(10_00, Math.round(rng.logNormal(median * 2, AMOUNT_SIGMA.transfer_in) / 100) * 100), 'transfer', externalAccount(rng));
        else this.deposit(checking, Math.max(10_00, Math.round(rng.logNormal(median, AMOUNT_SIGMA.transfer_in))), 'transfer', this.world.externalSender(who, rng.int(0, 2)));
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
      case 'p2p': {
        if (this.customers.length < 2) return;
        // Mostly the usual friends and family; sometimes someone paid for the first time.
        const world = this.world;
        const other = rng.chance(0.75) ? world.contact(who, rng.int(0, world.contactCount(who) - 1)) : rng.int(0, this.customers.length - 1);
        const to = this.#accounts[2 * other];
        if (!to || other === who || this.#awake[other] === 0) return;
        // Now and then a large one: a share of the rent, paying back a loan, a used car.
        const typical = rng.chance(0.06) ? customer.monthlyNetIncome * 0.3 : median;
        const amount = Math.max(5_00, Math.round(rng.logNormal(typical, AMOUNT_SIGMA.p2p) / 100) * 100);
        this.pay(checking, to, amount, amount > 1_000_00 && rng.chance(0.5) ? 'online' : 'p2p');
        return;
      }
      case 'big_payment': {
        // Paid to someone outside the bank, often for the first time; savings cover it first.
        const amount = Math.max(300_00, Math.round(rng.logNormal(median, AMOUNT_SIGMA.big_payment) / 10_00) * 10_00);
        if (savings && checking.balance < amount + checking.lowBalanceThreshold) {
          const topUp = Math.min(savings.balance, Math.ceil((amount + checking.lowBalanceThreshold - checking.balance) / 100_00) * 100_00);
          if (topUp > 0) this.transfer(customer, 'checking', topUp, 'online');
        }
        this.withdraw(checking, Math.min(amount, TRANSFER_LIMIT), 'online', externalAccount(rng));
        return;
      }
    }
  }

  // ---- ledger: the only code that changes balances, each change paired with its event -----------

  deposit(account: Account, amount: Cents, channel: Channel, counterparty?: Counterparty): void {
    account.balance += amount;
    this.#emit(account, 'deposit', amount, channel, counterparty, undefined, undefined);
  }

  // Money out of the account; returns why it was declined (a declined event was emitted, nothing moved)
  // or undefined when it went through.
  withdraw(account: Account, amount: Cents, channel: Channel, counterparty?: Counterparty, category?: MerchantCategory): DeclineReason | undefined {
    const reason = this.#refusal(account, amount, channel);
    if (reason) {
      this.decline(account, 'withdraw', amount, channel, reason, counterparty, category);
      return reason;
    }
    const before = account.balance;
    account.balance -= amount;
    this.#emit(account, 'withdraw', amount, channel, counterparty, category, undefined);
    this.#checkLowBalance(account, before);
    return undefined;
  }

  #refusal(account: Account, amount: Cents, channel: Channel): DeclineReason | undefined {
    if ((channel === 'card' || channel === 'atm') && this.#cardBlocked(account.customerIndex)) return 'card_blocked';
    if (channel === 'atm' && amount > ATM_LIMIT) return 'limit_exceeded';
    if ((channel === 'p2p' || channel === 'online') && amount > TRANSFER_LIMIT) return 'limit_exceeded';
    if (account.balance - amount < -account.overdraftLimit) return 'insufficient_funds';
    return undefined;
  }

  // A transfer to another customer of this bank: the payer's withdraw and the payee's deposit, each
  // naming the other account.
  pay(from: Account, to: Account, amount: Cents, channel: Channel): DeclineReason | undefined {
    const declined = this.withdraw(from, amount, channel, to.id);
    if (!declined) this.deposit(to, amount, channel, from.id);
    return declined;
  }

  // Between a customer's own accounts: one event per leg, both named by the receiving account. Transfers
  // never dip into an overdraft.
  transfer(customer: Customer, to: AccountType, amount: Cents, channel: Channel): boolean {
    const savings = customer.savings;
    if (!savings) return false;
    const from = to === 'checking' ? savings : customer.checking;
    const into = to === 'checking' ? customer.checking : savings;
    if (amount <= 0 || from.balance < amount) return false;
    const type: TransactionType = to === 'checking' ? 'checking_account' : 'savings_account';
    const before = from.balance;
    from.balance -= amount;
    this.#emit(from, type, amount, channel, undefined, undefined, undefined);
    into.balance += amount;
    this.#emit(into, type, amount, channel, undefined, undefined, undefined);
    this.#checkLowBalance(from, before);
    return true;
  }

  inquiry(account: Account, channel: Channel): void {
    this.#emit(account, 'current_balance', Math.max(0, account.balance), channel, undefined, undefined, undefined);
  }

  decline(account: Account, type: TransactionType, amount: Cents, channel: Channel, reason: DeclineReason, counterparty?: Counterparty, category?: MerchantCategory): void {
    this.#emit(account, type, amount, channel, counterparty, category, reason);
  }

  // low_balance fires once, when a debit takes the balance from at-or-above the threshold to below it.
  // It is the bank's notice, not part of whatever caused the debit: always labelled normal.
  #checkLowBalance(account: Account, before: Cents): void {
    const threshold = account.lowBalanceThreshold;
    if (before < threshold || account.balance >= threshold) return;
    const incident = this.#incident;
    this.#incident = undefined;
    // Amounts are never negative on the wire; an overdrawn balance shows in `balance`.
    this.#emit(account, 'low_balance', Math.max(0, account.balance), 'system', undefined, undefined, undefined);
    this.#incident = incident;
    const customer = this.customers[account.customerIndex];
    if (account.type === 'checking' && customer?.overdraftProtection && customer.savings && this.#protectionPending[customer.index] === 0) {
      this.#protectionPending[customer.index] = 1;
      this.#push(this.#now + this.#rng.int(1, 30) * MINUTE_MS, { kind: 'protect', customer });
    }
  }

  #emit(account: Account, type: TransactionType, amount: Cents, channel: Channel, counterparty: Counterparty | undefined, category: MerchantCategory | undefined, declined: DeclineReason | undefined): void {
    // During the warm-up the world moves but nothing is emitted.
    if (this.#now < this.#startMs) return;
    this.#queue[this.#tail++] = new SimEvent(this.#context, this.#seq++, this.#now, account.customerIndex, account.type, account.lowBalanceThreshold, account.overdraftLimit, type, amount, account.balance, channel, counterparty, category, declined, this.#incident);
  }
}
