// The rarer, larger episodes of normal life that a bank's fraud model has to live with, because they look
// like fraud against the account's own past: a first payment of thousands to a payee never paid before, a
// burst of new merchants, money arriving from several senders and leaving again within hours, cash paid in
// over days. Each is a script like a fraud incident's (simulated ms to its next step), run by the same
// machinery but labelled normal:
//
// - `big_purchase` (what an account takeover looks like): a car, a rent deposit with a new landlord, a
//   builder's invoice. A look at the balance first, savings pulled into checking or a loan paid in, then
//   one to three payments to the new payee within the transfer limit, minutes apart.
// - `instalments` (an authorised push-payment scam): a tradesman, tuition or a wedding venue paid in parts
//   over days, savings topping checking up before each.
// - `collect_and_pay` (a mule account: fan-in, rapid in-out): a trip or a gift organised for a group, or
//   things sold online; several senders pay in over hours, the organiser pays the total on.
// - `cash_sale` (structuring): a car sold for cash or a market stall's takings, paid in at the branch or an
//   ATM over days, then sent on to pay for something bigger.
// - `trip_booking` (card testing, then a cash-out): small charges at new online merchants (an app, a
//   booking fee, a visa form), then flights, hotels and gear at merchants never used before.

import type { Channel, MerchantCategory } from './transaction.ts';
import type { Customer } from './customers.ts';
import type { Cents } from './money.ts';
import type { Rng } from './rng.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './calendar.ts';
import { CARD_CATEGORY_LIST, categoryIndex } from './counterparties.ts';
import type { World } from './counterparties.ts';
import { externalAccount } from './scenarios/fraud.ts';
import type { BankActions, ScenarioScript } from './scenarios/fraud.ts';

const YEAR_MS = 365.25 * DAY_MS;
const SECOND_MS = 1000;
const TRANSFER_LIMIT: Cents = 5_000_00;

const KINDS = ['big_purchase', 'instalments', 'collect_and_pay', 'cash_sale', 'trip_booking'] as const;
type LifeEventKind = (typeof KINDS)[number];

// Episodes per customer per year: one every year or two, still far more often than fraud at a real level.
const PER_CUSTOMER_YEAR: Readonly<Record<LifeEventKind, number>> = {
  big_purchase: 0.2,
  instalments: 0.08,
  collect_and_pay: 0.12,
  cash_sale: 0.04,
  trip_booking: 0.25,
};
export const LIFE_EVENTS_PER_CUSTOMER_YEAR = KINDS.reduce((sum, kind) => sum + PER_CUSTOMER_YEAR[kind], 0);

const SMALL_ONLINE = ['digital_goods', 'online_retail', 'other', 'transport', 'entertainment'].map((c) => categoryIndex(c as MerchantCategory));
const TRIP = ['travel', 'travel', 'electronics', 'online_retail', 'transport', 'restaurant', 'entertainment'].map((c) => categoryIndex(c as MerchantCategory));

function roundTo(amount: number, step: Cents): Cents {
  return Math.max(step, Math.round(amount / step) * step);
}

export class LifeEvents {
  readonly #rng: Rng;
  readonly #customers: readonly Customer[];
  readonly #world: World;
  readonly #gapMs: number;
  readonly #weights: readonly number[];

  constructor(rng: Rng, customers: readonly Customer[], world: World) {
    this.#rng = rng;
    this.#customers = customers;
    this.#world = world;
    this.#gapMs = YEAR_MS / (LIFE_EVENTS_PER_CUSTOMER_YEAR * Math.max(1, customers.length));
    this.#weights = KINDS.map((kind) => PER_CUSTOMER_YEAR[kind]);
  }

  // Time of the next proposed episode; start() keeps it only at an hour its customer is active.
  nextAt(afterMs: number): number {
    return afterMs + this.#rng.exponential(this.#gapMs);
  }

  // An episode for a random customer, when that customer is awake and active at this hour of the day.
  start(bank: BankActions): ScenarioScript | undefined {
    const rng = this.#rng;
    const customer = rng.pick(this.#customers);
    if (!bank.isAwake(customer)) return undefined;
    const hourly = customer.profile.hourly;
    const hour = Math.floor((bank.now % DAY_MS) / HOUR_MS);
    if (rng.next() * Math.max(...hourly) >= (hourly[hour] ?? 0)) return undefined;
    switch (KINDS[rng.weighted(this.#weights)]) {
      case 'big_purchase':
        return this.#bigPurchase(bank, customer);
      case 'instalments':
        return this.#instalments(bank, customer);
      case 'collect_and_pay':
        return this.#collectAndPay(bank, customer);
      case 'cash_sale':
        return this.#cashSale(bank, customer);
      default:
        return this.#tripBooking(bank, customer);
    }
  }

  // Someone new to pay: mostly outside the bank, sometimes another customer (a private seller).
  #newPayee(bank: BankActions, customer: Customer): { account: string; customer: Customer | undefined } {
    const rng = this.#rng;
    const other = rng.chance(0.25) ? this.#customers[rng.int(0, this.#customers.length - 1)] : undefined;
    if (other && other !== customer && bank.isAwake(other)) return { account: other.checking.id, customer: other };
    return { account: externalAccount(rng), customer: undefined };
  }

  #payTo(bank: BankActions, customer: Customer, payee: { account: string; customer: Customer | undefined }, amount: Cents, channel: Channel): boolean {
    return payee.customer ? !bank.pay(customer.checking, payee.customer.checking, amount, channel) : !bank.withdraw(customer.checking, amount, channel, payee.account);
  }

  // Savings (or a loan) put enough into checking for `amount`, if they can.
  *#fund(bank: BankActions, customer: Customer, amount: Cents, loanChance: number): ScenarioScript {
    const rng = this.#rng;
    const checking = customer.checking;
    const short = amount + checking.lowBalanceThreshold - checking.balance;
    if (short <= 0) return;
    const savings = customer.savings;
    if (savings && savings.balance >= short && !rng.chance(loanChance)) {
      bank.transfer(customer, 'checking', Math.min(savings.balance, roundTo(short * rng.uniform(1, 1.3), 100_00)), 'online');
      yield rng.int(20, 600) * SECOND_MS;
    } else if (rng.chance(0.7)) {
      // A car loan or a family loan paid in from outside, spent within hours.
      bank.deposit(checking, roundTo(short * rng.uniform(1, 1.2), 100_00), 'transfer', externalAccount(rng));
      yield rng.int(10, 300) * MINUTE_MS;
    }
  }

  *#bigPurchase(bank: BankActions, customer: Customer): ScenarioScript {
    const rng = this.#rng;
    const total = Math.min(15_000_00, roundTo(rng.logNormal(Math.max(1_500_00, customer.monthlyNetIncome * 0.8), 0.6), rng.chance(0.5) ? 100_00 : 1_00));
    if (rng.chance(0.6)) {
      bank.inquiry(customer.checking, rng.chance(0.85) ? 'online' : 'atm');
      yield rng.int(30, 900) * SECOND_MS;
    }
    yield* this.#fund(bank, customer, total, 0.3);
    const payee = this.#newPayee(bank, customer);
    let left = total;
    for (let part = 0; part < 3 && left >= 100_00; part++) {
      const amount = Math.min(left, left > TRANSFER_LIMIT ? roundTo(TRANSFER_LIMIT * rng.uniform(0.6, 1), 100_00) : left);
      if (!this.#payTo(bank, customer, payee, amount, rng.chance(0.6) ? 'online' : 'p2p')) break;
      left -= amount;
      yield rng.int(60, 1500) * SECOND_MS;
    }
  }

  *#instalments(bank: BankActions, customer: Customer): ScenarioScript {
    const rng = this.#rng;
    const payee = this.#newPayee(bank, customer);
    const parts = rng.int(2, 4);
    const typical = Math.min(customer.monthlyNetIncome * 0.4, 3_000_00);
    for (let part = 0; part < parts; part++) {
      const amount = Math.min(TRANSFER_LIMIT, roundTo(rng.logNormal(typical, 0.5), rng.chance(0.4) ? 50_00 : 1_00));
      yield* this.#fund(bank, customer, amount, 0);
      this.#payTo(bank, customer, payee, amount, rng.chance(0.7) ? 'online' : 'p2p');
      if (part < parts - 1) yield rng.int(1, 10) * DAY_MS + rng.int(-120, 120) * MINUTE_MS;
    }
  }

  *#collectAndPay(bank: BankActions, customer: Customer): ScenarioScript {
    const rng = this.#rng;
    const checking = customer.checking;
    const senders = rng.int(3, 8);
    const share = rng.logNormal(400_00, 0.6);
    let collected = 0;
    for (let i = 0; i < senders; i++) {
      const amount = roundTo(share * rng.uniform(0.8, 1.2), rng.chance(0.5) ? 1_00 : 50_00);
      const friend = rng.chance(0.4) ? this.#customers[rng.int(0, this.#customers.length - 1)] : undefined;
      if (friend && friend !== customer && bank.isAwake(friend)) {
        if (!bank.pay(friend.checking, checking, amount, 'p2p')) collected += amount;
      } else {
        bank.deposit(checking, amount, 'transfer', externalAccount(rng));
        collected += amount;
      }
      yield rng.int(10, 300) * MINUTE_MS;
    }
    yield rng.int(5, 180) * MINUTE_MS;
    let left = roundTo(collected * rng.uniform(0.85, 1), 1_00);
    if (left >= 100_00 && rng.chance(0.25)) {
      const cash = Math.min(roundTo(left * rng.uniform(0.2, 0.5), 20_00), 800_00);
      if (!bank.withdraw(checking, cash, 'atm', this.#world.atmIds[rng.int(0, this.#world.atmIds.length - 1)])) left -= cash;
      yield rng.int(3, 60) * MINUTE_MS;
    }
    const payee = this.#newPayee(bank, customer);
    for (let part = 0; part < 3 && left >= 50_00; part++) {
      const amount = Math.min(left, TRANSFER_LIMIT);
      if (!this.#payTo(bank, customer, payee, amount, rng.chance(0.7) ? 'online' : 'p2p')) break;
      left -= amount;
      yield rng.int(2, 45) * MINUTE_MS;
    }
  }

  *#cashSale(bank: BankActions, customer: Customer): ScenarioScript {
    const rng = this.#rng;
    const deposits = rng.int(1, 4);
    let total = 0;
    for (let i = 0; i < deposits; i++) {
      const amount = Math.min(9_900_00, roundTo(rng.logNormal(2_500_00, 0.5), 100_00));
      bank.deposit(customer.checking, amount, rng.chance(0.6) ? 'branch' : 'atm');
      total += amount;
      yield rng.int(8, 72) * HOUR_MS;
    }
    const payee = this.#newPayee(bank, customer);
    let left = roundTo(total * rng.uniform(0.7, 1), 100_00);
    for (let part = 0; part < 3 && left >= 100_00; part++) {
      const amount = Math.min(left, roundTo(TRANSFER_LIMIT * rng.uniform(0.5, 1), 100_00));
      if (!this.#payTo(bank, customer, payee, amount, 'online')) break;
      left -= amount;
      yield rng.int(1, 30) * HOUR_MS;
    }
  }

  *#tripBooking(bank: BankActions, customer: Customer): ScenarioScript {
    const rng = this.#rng;
    const world = this.#world;
    const buy = (categories: readonly number[], amount: Cents): void => {
      const merchant = world.merchantIn(rng.pick(categories), rng.next());
      bank.withdraw(customer.checking, amount, 'card', merchant, CARD_CATEGORY_LIST[world.merchantCategory[merchant] ?? 0] as MerchantCategory);
    };
    const small = rng.int(1, 5);
    for (let i = 0; i < small; i++) {
      buy(SMALL_ONLINE, Math.max(50, Math.round(rng.logNormal(8_00, 0.8))));
      yield rng.int(15, 600) * SECOND_MS;
    }
    yield rng.int(2, 240) * MINUTE_MS;
    const big = rng.int(1, 4);
    for (let i = 0; i < big; i++) {
      buy(TRIP, Math.max(20_00, Math.round(rng.logNormal(Math.max(120_00, customer.medians.card * 4), 0.7))));
      yield rng.int(1, 40) * MINUTE_MS;
    }
  }
}
