// Fraud incidents the simulator mixes into the stream (`--fraud-rate`). Each incident is a script: a
// generator that acts on the bank and yields the delay (simulated ms) until its next step, so a takeover
// or a mule's cash-out unfolds over minutes to days while normal life goes on around it. Every record an
// incident causes, on the victim's side and the mule's, carries its scenario in `sim-label` and its id in
// `sim-incident`; what the bank does afterwards (blocking a card, paying the victim back) is normal.
//
// Fraud blends in: amounts, hours, channels and merchants come from the same ranges as normal life (a
// takeover transfer looks like a big payment, a test charge like a small download, a cash-out like an
// electronics purchase). What gives it away is behaviour against the account's own past: a payee never
// paid before, a merchant category the customer never uses, money in and straight out again, a burst.
// Except for cloned cards: a copy used in person at everyday shops, at the victim's usual amounts, looks
// like the victim's own life to anything that knows one account; what links the victims is where they all
// paid shortly before (a common point of compromise), seen only across accounts.

import type { Channel, DeclineReason, MerchantCategory, SimLabel, TransactionType } from '../transaction.ts';
import type { Account, Customer } from '../customers.ts';
import type { AccountType } from '../transaction.ts';
import type { Cents } from '../money.ts';
import type { Rng } from '../rng.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../calendar.ts';
import { CARD_CATEGORY_LIST, categoryIndex, purchaseAmount } from '../counterparties.ts';
import type { Counterparty, World } from '../counterparties.ts';
import { incidentHeaders } from '../sim-event.ts';

export type FraudLabel = Exclude<SimLabel, 'normal'>;
export const FRAUD_LABELS: readonly FraudLabel[] = ['account_takeover', 'card_testing', 'card_cloned', 'app_scam', 'mule_network', 'structuring'];

// What a script may do; the simulator implements it and emits one event per balance change or decline.
export interface BankActions {
  readonly now: number;
  deposit(account: Account, amount: Cents, channel: Channel, counterparty?: Counterparty): void;
  withdraw(account: Account, amount: Cents, channel: Channel, counterparty?: Counterparty, category?: MerchantCategory): DeclineReason | undefined;
  pay(from: Account, to: Account, amount: Cents, channel: Channel): DeclineReason | undefined;
  transfer(customer: Customer, to: AccountType, amount: Cents, channel: Channel): boolean;
  inquiry(account: Account, channel: Channel): void;
  decline(account: Account, type: TransactionType, amount: Cents, channel: Channel, reason: DeclineReason, counterparty?: Counterparty, category?: MerchantCategory): void;
  isAwake(customer: Customer): boolean;
  isCardBlocked(customer: Customer): boolean;
  confirmFraud(customer: Customer, blockCardForMs: number, reimburse: Cents, reimburseAfterMs: number): void;
}

export type ScenarioScript = Generator<number, void, void>;

export interface Incident {
  readonly id: string;
  readonly label: FraudLabel;
  readonly headers: Readonly<Record<string, string>>;
  readonly script: ScenarioScript;
}

// `--fraud-rate` counts incidents per 1,000 customers per simulated year (a skimmer counts as one; each card
// it copies becomes an incident of its own). The default gives fraud losses of about 0.07-0.1% of the
// money customers spend, and about 2-3% of customers hit in a year.
export const DEFAULT_FRAUD_RATE = 20;
export const MAX_FRAUD_RATE = 100_000;
// `demo`: an incident every 30 simulated seconds on average, at any hour and whatever the population, so
// fraud shows within a minute or two of `npm start` at real-time pace. Far above any real bank: for
// demonstrations only.
export const DEMO_INCIDENT_GAP_MS = 30_000;
// At the demo level an incident also unfolds this many times faster (a takeover's look at the balance and
// its transfers seconds apart, card tests in a burst): at real-time pace, with a processor that starts with
// no history of the bank, a whole incident then plays out within the first minutes of `npm start`.
export const DEMO_TEMPO = 10;

const YEAR_MS = 365.25 * DAY_MS;
// Chance that a skimmer copies a card paid with at its terminal: some reads fail, and not every card is
// worth the fraudster's while.
const COPY_CHANCE = 0.5;
const MULE_SHARE = 0.01;
const SECOND_MS = 1000;

const INCIDENT_WEIGHTS: Readonly<Record<FraudLabel, number>> = {
  account_takeover: 0.26,
  card_testing: 0.36,
  // One skimmed terminal, which copies several customers' cards: each copy used is an incident of its own.
  card_cloned: 0.075,
  app_scam: 0.2,
  mule_network: 0.13,
  structuring: 0.05,
};

// When incidents start, by hour of day (UTC = the bank's local time): fraudsters work around the clock,
// a little more in the evening and at night than customers do, but never only then.
const ATTACK_HOURLY = [0.15, 0.1, 0.07, 0.05, 0.05, 0.1, 0.3, 0.55, 0.75, 0.85, 0.9, 0.95, 1, 0.95, 0.9, 0.9, 0.95, 1, 1, 0.95, 0.85, 0.7, 0.5, 0.3];
const ATTACK_MEAN = ATTACK_HOURLY.reduce((s, x) => s + x, 0) / 24;

const TEST_CATEGORIES = ['digital_goods', 'online_retail', 'charity', 'gift_cards', 'other'].map((c) => categoryIndex(c as MerchantCategory));
// Where a careful fraudster shops with a stolen card: the everyday categories the victim uses too.
const EVERYDAY_CATEGORIES = ['online_retail', 'online_retail', 'grocery', 'restaurant', 'digital_goods', 'transport', 'entertainment', 'fuel'].map((c) => categoryIndex(c as MerchantCategory));
// Where a skimmer sits: terminals the card is handed over or swiped at in person.
const SKIMMED_CATEGORIES = ['fuel', 'fuel', 'grocery', 'restaurant', 'restaurant'].map((c) => categoryIndex(c as MerchantCategory));
// Where a copied card is used: in person (a copy of the stripe does not pass online checks), in everyday
// shops, each about as often as customers shop there.
const IN_PERSON_CATEGORIES = ['grocery', 'grocery', 'grocery', 'grocery', 'restaurant', 'restaurant', 'restaurant', 'restaurant', 'fuel', 'fuel', 'entertainment', 'health'].map((c) =>
  categoryIndex(c as MerchantCategory),
);
const IN_PERSON = new Set(IN_PERSON_CATEGORIES);
const CASH_OUT_CATEGORIES = ['electronics', 'gift_cards', 'jewelry', 'online_retail', 'travel', 'crypto', 'money_transfer'].map((c) => categoryIndex(c as MerchantCategory));

function roundTo(amount: number, step: Cents): Cents {
  return Math.max(step, Math.round(amount / step) * step);
}

// Fraudsters move whole dollars, sometimes round hundreds, like people do.
function fraudAmount(rng: Rng, amount: number): Cents {
  return roundTo(amount, rng.chance(0.3) ? 50_00 : 1_00);
}

// A delay between minMs and maxMs that ends at an hour the customer is usually active: fraud that hides
// in the victim's own habits acts when the victim would.
function activeDelay(rng: Rng, nowMs: number, customer: Customer, minMs: number, maxMs: number): number {
  const hourly = customer.profile.hourly;
  const peak = Math.max(...hourly);
  for (let tries = 0; tries < 20; tries++) {
    const delay = rng.uniform(minMs, maxMs);
    const hour = Math.floor(((nowMs + delay) % DAY_MS) / HOUR_MS);
    if (rng.next() * peak < (hourly[hour] ?? 0)) return Math.round(delay);
  }
  return minMs;
}

// An account at another bank, by a random number.
export function externalAccount(rng: Rng): string {
  return `EXT-${String(rng.int(0, 99_999_999)).padStart(8, '0')}`;
}

// A mule passes money on within minutes to hours: to an outside account, sometimes part as ATM cash,
// sometimes through a second mule first. Runs inside the incident that brought the money in.
function* moveOn(rng: Rng, bank: BankActions, world: World, mule: Customer, amount: Cents, next: Customer | undefined): ScenarioScript {
  yield rng.int(5, 150) * MINUTE_MS;
  // Has it arrived? Mules watch their balance.
  if (rng.chance(0.6)) {
    bank.inquiry(mule.checking, rng.chance(0.8) ? 'online' : 'atm');
    yield rng.int(1, 20) * MINUTE_MS;
  }
  let left = Math.min(amount, Math.max(0, mule.checking.balance));
  if (next && left >= 200_00) {
    const hop = fraudAmount(rng, left * rng.uniform(0.85, 0.97));
    if (!bank.pay(mule.checking, next.checking, hop, rng.chance(0.5) ? 'p2p' : 'online')) {
      left -= hop;
      yield* moveOn(rng, bank, world, next, hop, undefined);
    }
  }
  if (left >= 100_00 && rng.chance(0.5)) {
    const visits = rng.int(1, 3);
    for (let i = 0; i < visits && left >= 100_00; i++) {
      const cash = Math.min(roundTo(left * rng.uniform(0.2, 0.5), 20_00), rng.int(10, 30) * 20_00);
      if (!bank.withdraw(mule.checking, cash, 'atm', world.atmIds[rng.int(0, world.atmIds.length - 1)])) left -= cash;
      yield rng.int(3, 40) * MINUTE_MS;
    }
  }
  for (let part = 0; part < 3 && left >= 50_00; part++) {
    const out = part === 2 ? roundTo(left * 0.98, 1_00) : fraudAmount(rng, left * rng.uniform(0.5, 0.95));
    if (!bank.withdraw(mule.checking, Math.min(out, left), 'online', externalAccount(rng))) left -= Math.min(out, left);
    yield rng.int(2, 45) * MINUTE_MS;
  }
}

// A skimmer on a merchant's terminal: how many more cards its fraudster means to use, and whose cards it
// has copied already.
interface Skimmer {
  left: number;
  readonly copied: Set<number>;
}

export class FraudPlanner {
  readonly #rng: Rng;
  readonly #customers: readonly Customer[];
  readonly #world: World;
  readonly #mules: readonly Customer[];
  readonly #isMule: Uint8Array;
  readonly #gapMs: number; // mean time between proposed incident starts (before hour-of-day thinning)
  readonly #byHour: boolean;
  // How many times faster than written an incident's steps follow each other (DEMO_TEMPO at the demo level).
  readonly tempo: number;
  // [merchant]: 1 while a skimmer sits on its terminal. The simulator checks it on every approved card
  // purchase and calls cardRead() for the ones there, so the purchase that gets a card copied is the
  // customer's own, normal one.
  readonly skimming: Uint8Array;
  readonly #skimmers = new Map<number, Skimmer>();
  #count = 0;

  constructor(rng: Rng, customers: readonly Customer[], world: World, rate: number | 'demo') {
    if (rate !== 'demo' && !(rate >= 0 && rate <= MAX_FRAUD_RATE)) throw new RangeError(`fraud rate must be "demo" or between 0 and ${MAX_FRAUD_RATE} incidents per 1,000 customers per year, got ${rate}`);
    if (customers.length === 0) throw new RangeError('fraud scenarios need at least one customer');
    this.#rng = rng;
    this.#customers = customers;
    this.#world = world;
    this.#byHour = rate !== 'demo';
    this.tempo = rate === 'demo' ? DEMO_TEMPO : 1;
    const perMs = rate === 'demo' ? 1 / DEMO_INCIDENT_GAP_MS : ((rate / 1000) * customers.length) / YEAR_MS;
    this.#gapMs = perMs > 0 ? (this.#byHour ? ATTACK_MEAN : 1) / perMs : Number.POSITIVE_INFINITY;
    // A few customers, mostly young, let their accounts be used by mule herders, each for a few incidents
    // over the months (herders recruit many and spread the money). They live otherwise normal lives.
    const muleCount = Math.max(2, Math.round(customers.length * MULE_SHARE));
    this.#isMule = new Uint8Array(customers.length);
    const mules: Customer[] = [];
    for (let tries = 0; mules.length < Math.min(muleCount, customers.length) && tries < muleCount * 50; tries++) {
      const candidate = rng.pick(customers);
      const young = candidate.profile.name === 'student' || candidate.profile.name === 'young_professional';
      if (this.#isMule[candidate.index] === 1 || (!young && rng.chance(0.8))) continue;
      this.#isMule[candidate.index] = 1;
      mules.push(candidate);
    }
    this.#mules = mules;
    this.skimming = new Uint8Array(world.merchantCategory.length);
  }

  // Start of the next incident after `afterMs`: a Poisson process thinned by the hour of day (the demo
  // level is not, so a demo at night shows fraud as quickly).
  nextIncidentAt(afterMs: number): number {
    if (!Number.isFinite(this.#gapMs)) return Number.POSITIVE_INFINITY;
    let at = afterMs;
    for (;;) {
      at += this.#rng.exponential(this.#gapMs);
      const hour = Math.floor((at % DAY_MS) / HOUR_MS);
      if (!this.#byHour || this.#rng.next() < (ATTACK_HOURLY[hour] ?? 1)) return at;
    }
  }

  // Plans the next incident; undefined when nobody suitable turned up (the incident is skipped).
  start(bank: BankActions): Incident | undefined {
    const rng = this.#rng;
    const label = FRAUD_LABELS[rng.weighted(FRAUD_LABELS.map((l) => INCIDENT_WEIGHTS[l]))] ?? 'card_testing';
    let script: ScenarioScript | undefined;
    switch (label) {
      case 'account_takeover': {
        // Dormant accounts are attractive: nobody is watching them.
        const victim = this.#victim(bank, (c) => c.checking.balance + (c.savings?.balance ?? 0) > 1_000_00, true);
        if (victim) script = this.#accountTakeover(bank, victim);
        break;
      }
      case 'card_testing': {
        const victim = this.#victim(bank, (c) => !bank.isCardBlocked(c) && c.checking.balance > 100_00, false);
        if (victim) script = this.#cardTesting(bank, victim);
        break;
      }
      case 'card_cloned': {
        // Popular shops are worth a skimmer: the merchant is picked the way customers pick them.
        const merchant = this.#world.merchantIn(rng.pick(SKIMMED_CATEGORIES), rng.next());
        // The skimmer's own incident emits nothing; each copy used is the victim's incident (cardRead).
        if (this.skimming[merchant] === 0) script = this.#skimmer(merchant);
        break;
      }
      case 'app_scam': {
        // Scammers call everyone; older customers pick up more often.
        const victim = this.#victim(bank, (c) => c.checking.balance + (c.savings?.balance ?? 0) > 1_000_00 && (c.profile.name === 'retiree' || rng.chance(0.5)), false);
        if (victim) script = this.#appScam(bank, victim);
        break;
      }
      case 'mule_network':
        if (this.#mules.length > 0) script = this.#muleNetwork(bank);
        break;
      case 'structuring': {
        const launderer = this.#victim(bank, () => true, false);
        if (launderer) script = this.#structuring(bank, launderer);
        break;
      }
    }
    return script ? this.#incident(label, script) : undefined;
  }

  // A card paid with at a merchant whose terminal has a skimmer on it (skimming[merchant] is 1): copied
  // or not. A copy is used days later: the incident returned, to be started now.
  cardRead(bank: BankActions, customer: Customer, merchant: number): Incident | undefined {
    const skimmer = this.#skimmers.get(merchant);
    if (!skimmer || skimmer.left === 0 || skimmer.copied.has(customer.index) || this.#isMule[customer.index] === 1) return undefined;
    if (!this.#rng.chance(COPY_CHANCE)) return undefined;
    skimmer.left--;
    skimmer.copied.add(customer.index);
    return this.#incident('card_cloned', this.#cardCloned(bank, customer));
  }

  #incident(label: FraudLabel, script: ScenarioScript): Incident {
    const id = `inc-${this.#rng.uint32().toString(16).padStart(8, '0')}${(this.#count++).toString(16).padStart(4, '0')}`;
    return { id, label, headers: incidentHeaders(id, label), script };
  }

  // A random customer who is not a mule and makes the incident worthwhile.
  #victim(bank: BankActions, worthwhile: (customer: Customer) => boolean, dormantToo: boolean): Customer | undefined {
    for (let tries = 0; tries < 20; tries++) {
      const candidate = this.#rng.pick(this.#customers);
      if (this.#isMule[candidate.index] === 1 || (!dormantToo && !bank.isAwake(candidate))) continue;
      if (worthwhile(candidate)) return candidate;
    }
    return undefined;
  }

  #otherMule(not: Customer | undefined): Customer | undefined {
    const others = this.#mules.filter((m) => m !== not);
    return others.length > 0 ? this.#rng.pick(others) : undefined;
  }

  // Stolen online-banking credentials: a look at the balance, savings pulled into checking, then one to
  // three transfers to a new payee (a mule here, or an outside account) within the transfer limit. The
  // mule passes the money on; the victim notices within days and the bank pays them back.
  *#accountTakeover(bank: BankActions, victim: Customer): ScenarioScript {
    const rng = this.#rng;
    const checking = victim.checking;
    bank.inquiry(checking, rng.chance(0.8) ? 'online' : 'atm');
    yield rng.int(40, 400) * SECOND_MS;
    const savings = victim.savings;
    if (savings && rng.chance(0.5)) {
      bank.inquiry(savings, 'online');
      yield rng.int(10, 120) * SECOND_MS;
    }
    if (savings && savings.balance > 500_00 && rng.chance(0.6)) {
      bank.transfer(victim, 'checking', roundTo(Math.min(savings.balance * rng.uniform(0.3, 0.8), rng.uniform(1_000_00, 5_000_00)), 100_00), 'online');
      yield rng.int(20, 180) * SECOND_MS;
    }
    const mule = rng.chance(0.7) ? this.#otherMule(undefined) : undefined;
    const payee = mule ? undefined : externalAccount(rng);
    // Most drain what they can at once; some take a little at a time, amounts like the customer's own
    // transfers to friends, over a few days, hoping nobody looks.
    const slow = rng.chance(0.6);
    const payments = slow ? rng.int(3, 6) : rng.int(1, 3);
    let taken = 0;
    for (let i = 0; i < payments; i++) {
      const amount = slow
        ? fraudAmount(rng, Math.min(rng.logNormal(Math.max(victim.medians.p2p * 2, 100_00), 0.5), checking.balance * 0.5))
        : fraudAmount(rng, Math.min(rng.uniform(0.35, 1) * 5_000_00, checking.balance * rng.uniform(0.4, 0.85)));
      if (amount < (slow ? 20_00 : 100_00)) break;
      const channel: Channel = slow || rng.chance(0.5) ? 'p2p' : 'online';
      const declined = mule ? bank.pay(checking, mule.checking, amount, channel) : bank.withdraw(checking, amount, channel, payee);
      if (!declined) taken += amount;
      yield slow ? activeDelay(rng, bank.now, victim, 4 * HOUR_MS, 30 * HOUR_MS) : rng.int(60, 1200) * SECOND_MS;
      // Checking what is left before the next one.
      if (i < payments - 1 && rng.chance(0.4)) {
        bank.inquiry(checking, 'online');
        yield rng.int(20, 300) * SECOND_MS;
      }
    }
    if (mule && taken > 0) yield* moveOn(rng, bank, this.#world, mule, taken, rng.chance(0.3) ? this.#otherMule(mule) : undefined);
    if (taken > 0) {
      yield rng.int(4, 96) * HOUR_MS;
      bank.confirmFraud(victim, 0, taken, rng.int(2, 10) * DAY_MS);
    }
  }

  // A stolen card number: a few small test charges at online merchants, then the cash-out on goods that
  // resell (electronics, gift cards, jewellery, travel) minutes to hours later. The bank's screen stops
  // some of it; the card is blocked once the customer notices, and the fraudster may try it once more.
  *#cardTesting(bank: BankActions, victim: Customer): ScenarioScript {
    const rng = this.#rng;
    const world = this.#world;
    const checking = victim.checking;
    const purchase = (categories: readonly number[], amount: Cents): Cents => {
      const merchant = world.merchantIn(rng.pick(categories), rng.next());
      const category = CARD_CATEGORY_LIST[world.merchantCategory[merchant] ?? 0] as MerchantCategory;
      if (rng.chance(0.12)) {
        bank.decline(checking, 'withdraw', amount, 'card', 'suspected_fraud', merchant, category);
        return 0;
      }
      return bank.withdraw(checking, amount, 'card', merchant, category) ? 0 : amount;
    };
    let taken = 0;
    const probes = rng.int(2, 7);
    for (let i = 0; i < probes; i++) {
      taken += purchase(TEST_CATEGORIES, Math.min(60_00, Math.max(50, Math.round(rng.logNormal(6_00, 0.8)))));
      yield rng.int(15, 400) * SECOND_MS;
    }
    yield rng.int(5, 300) * MINUTE_MS;
    if (rng.chance(0.3)) {
      // Cash-out on goods that resell, quickly.
      const buys = rng.int(1, 4);
      for (let i = 0; i < buys; i++) {
        taken += purchase(CASH_OUT_CATEGORIES, Math.max(20_00, Math.round(rng.logNormal(Math.max(120_00, victim.medians.card * 4), 0.6))));
        yield rng.int(1, 40) * MINUTE_MS;
      }
    } else {
      // Or quietly, to stay under the bank's radar: everyday purchases of the victim's usual size, a few
      // hours apart over a day or two, until the card is stopped.
      const buys = rng.int(3, 8);
      for (let i = 0; i < buys; i++) {
        const category = rng.pick(EVERYDAY_CATEGORIES);
        taken += purchase([category], purchaseAmount(rng, victim.medians.card, category, 5_00));
        yield activeDelay(rng, bank.now, victim, 20 * MINUTE_MS, 8 * HOUR_MS);
      }
    }
    yield rng.int(2, 72) * HOUR_MS;
    bank.confirmFraud(victim, rng.int(5, 8) * DAY_MS, taken, rng.int(3, 10) * DAY_MS);
    if (rng.chance(0.3)) {
      yield rng.int(1, 48) * HOUR_MS;
      purchase(CASH_OUT_CATEGORIES, Math.max(20_00, Math.round(rng.logNormal(150_00, 0.6))));
    }
  }

  // A skimmer fitted to a terminal (a fuel pump, a restaurant's handheld reader, a self-checkout) for a
  // few days, until it is found or collected; it copies some of the cards paid with there (cardRead), up
  // to as many as its fraudster means to use.
  *#skimmer(merchant: number): ScenarioScript {
    const rng = this.#rng;
    this.skimming[merchant] = 1;
    this.#skimmers.set(merchant, { left: rng.int(2, 5), copied: new Set() });
    yield rng.int(3, 12) * DAY_MS;
    this.skimming[merchant] = 0;
    this.#skimmers.delete(merchant);
  }

  // A copy of the victim's card, made at a skimmed terminal, used in person days to weeks later: one to
  // four everyday purchases the size of the victim's own at the victim's usual hours. The copy is used
  // near where it was made, so half the time at one of the neighbourhood's shops the victim uses too, else
  // at a popular shop of the category. Nothing about them is unusual for the account; the victim sees
  // them on the statement or in the app within days, the card is replaced and the money paid back.
  *#cardCloned(bank: BankActions, victim: Customer): ScenarioScript {
    const rng = this.#rng;
    const world = this.#world;
    const local: number[] = [];
    for (let slot = 0; slot < world.habitCount(victim.index); slot++) {
      const merchant = world.habitualMerchant(victim.index, slot);
      if (IN_PERSON.has(world.merchantCategory[merchant] ?? -1)) local.push(merchant);
    }
    yield activeDelay(rng, bank.now, victim, 2 * DAY_MS, 21 * DAY_MS);
    let taken = 0;
    const buys = rng.int(1, 4);
    for (let i = 0; i < buys; i++) {
      const merchant = local.length > 0 && rng.chance(0.5) ? rng.pick(local) : world.merchantIn(rng.pick(IN_PERSON_CATEGORIES), rng.next());
      const category = world.merchantCategory[merchant] ?? 0;
      const amount = purchaseAmount(rng, victim.medians.card, category, 50);
      if (!bank.withdraw(victim.checking, amount, 'card', merchant, CARD_CATEGORY_LIST[category])) taken += amount;
      if (i < buys - 1) yield activeDelay(rng, bank.now, victim, 20 * MINUTE_MS, 30 * HOUR_MS);
    }
    if (taken === 0) return;
    yield rng.int(12, 120) * HOUR_MS;
    bank.confirmFraud(victim, rng.int(5, 8) * DAY_MS, taken, rng.int(3, 10) * DAY_MS);
  }

  // Authorised push payment: the victim, talked into it by a scammer (fake investment, "your account is
  // at risk"), pays a new payee themselves, once or over several days, at their own usual hours.
  *#appScam(bank: BankActions, victim: Customer): ScenarioScript {
    const rng = this.#rng;
    const checking = victim.checking;
    const mule = rng.chance(0.3) ? this.#otherMule(undefined) : undefined;
    const payee = mule ? undefined : externalAccount(rng);
    const payments = rng.int(1, 4);
    let paid = 0;
    for (let i = 0; i < payments; i++) {
      const amount = fraudAmount(rng, rng.logNormal(Math.min(victim.monthlyNetIncome * 0.35, 2_500_00), 0.6));
      const savings = victim.savings;
      if (savings && checking.balance < amount + checking.lowBalanceThreshold && savings.balance > 0) {
        bank.transfer(victim, 'checking', Math.min(savings.balance, roundTo(amount + checking.lowBalanceThreshold - checking.balance, 100_00)), 'online');
        yield rng.int(30, 600) * SECOND_MS;
      }
      // The scammer on the phone has the victim look at the balance first.
      if (rng.chance(0.6)) {
        bank.inquiry(checking, rng.chance(0.85) ? 'online' : 'branch');
        yield rng.int(60, 900) * SECOND_MS;
      }
      const channel: Channel = rng.chance(0.7) ? 'online' : 'p2p';
      const declined = mule ? bank.pay(checking, mule.checking, amount, channel) : bank.withdraw(checking, amount, channel, payee);
      if (!declined) {
        paid += amount;
        if (mule) yield* moveOn(rng, bank, this.#world, mule, amount, undefined);
      }
      if (i < payments - 1) yield rng.int(1, 5) * DAY_MS + rng.int(-90, 90) * MINUTE_MS;
    }
    // Paid back in part or not at all: the customer authorised the payments.
    if (paid > 0 && rng.chance(0.5)) {
      yield rng.int(3, 30) * DAY_MS;
      bank.confirmFraud(victim, 0, roundTo(paid * rng.uniform(0.5, 1), 1_00), rng.int(5, 20) * DAY_MS);
    }
  }

  // A mule collects money from several outside senders (scam victims elsewhere) over hours, and passes
  // each few arrivals on quickly, often through a second mule.
  *#muleNetwork(bank: BankActions): ScenarioScript {
    const rng = this.#rng;
    const mule = this.#otherMule(undefined) as Customer;
    const arrivals = rng.int(2, 6);
    let held = 0;
    for (let i = 0; i < arrivals; i++) {
      const amount = roundTo(rng.logNormal(700_00, 0.7), rng.chance(0.5) ? 1_00 : 50_00);
      bank.deposit(mule.checking, Math.min(amount, 9_500_00), 'transfer', externalAccount(rng));
      held += Math.min(amount, 9_500_00);
      if (i === arrivals - 1 || rng.chance(0.35)) {
        yield* moveOn(rng, bank, this.#world, mule, roundTo(held * rng.uniform(0.85, 0.97), 1_00), rng.chance(0.4) ? this.#otherMule(mule) : undefined);
        held = 0;
      }
      yield rng.int(10, 300) * MINUTE_MS;
    }
  }

  // Cash from crime paid in over a week or two in amounts that stay under the $10,000 report threshold,
  // at branches and ATMs, then sent on to an outside account.
  *#structuring(bank: BankActions, launderer: Customer): ScenarioScript {
    const rng = this.#rng;
    const checking = launderer.checking;
    // The sum to launder is what makes it structuring: well over the threshold, paid in in pieces.
    const target = rng.uniform(12_000_00, 25_000_00);
    // Some pay in a few large sums at the branch; others (smurfing) many small ones, mostly at ATMs (and
    // at branches, so no one teller sees them all), amounts like anyone's cash deposits, over a few weeks.
    const smurfing = rng.chance(0.5);
    let total = 0;
    while (total < target) {
      const amount = smurfing ? roundTo(rng.logNormal(1_800_00, 0.5), 20_00) : Math.min(9_900_00, roundTo(rng.logNormal(3_500_00, 0.45), 100_00));
      bank.deposit(checking, amount, smurfing ? (rng.chance(0.6) ? 'atm' : 'branch') : rng.chance(0.5) ? 'branch' : 'atm');
      total += amount;
      yield smurfing ? rng.int(3, 30) * HOUR_MS : rng.int(8, 60) * HOUR_MS;
    }
    const payee = externalAccount(rng);
    let left = roundTo(total * rng.uniform(0.8, 0.95), 100_00);
    while (left >= 100_00) {
      const out = Math.min(left, fraudAmount(rng, rng.uniform(2_000_00, 5_000_00)));
      if (bank.withdraw(checking, out, 'online', payee)) break;
      left -= out;
      yield rng.int(1, 30) * HOUR_MS;
    }
  }
}
