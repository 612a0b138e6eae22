// Fraud scenarios the simulator can mix into the stream (`--fraud-rate`). Each scenario is a script: a
// generator that acts on the bank and yields the delay (simulated ms) until its next step, so a drain or
// a card-testing burst unfolds over minutes while normal traffic keeps flowing around it. Every event a
// script causes carries the scenario's label in the `sim-label` header.

import type { AccountType, Channel, SimLabel } from '../transaction.ts';
import type { Account, Customer } from '../customers.ts';
import type { Cents } from '../money.ts';
import type { Rng } from '../rng.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, startOfDay } from '../calendar.ts';

export type FraudLabel = Exclude<SimLabel, 'normal'>;
export const FRAUD_LABELS: readonly FraudLabel[] = ['account_takeover', 'card_testing', 'large_withdrawal', 'mule_transfer'];

// What a script may do; the simulator implements it and emits one event per balance change.
export interface BankActions {
  readonly now: number;
  available(account: Account): Cents; // balance plus overdraft room
  deposit(account: Account, amount: Cents, channel: Channel): void;
  withdraw(account: Account, amount: Cents, channel: Channel): boolean; // false when declined
  transfer(customer: Customer, to: AccountType, amount: Cents, channel: Channel): boolean;
  inquiry(account: Account, channel: Channel): void;
}

export type ScenarioScript = Generator<number, void, void>;

// Events a running scenario expects to emit and has not yet; the planner counts them as already spent.
export interface ScenarioPlan {
  remaining: number;
}

export interface FraudScenario {
  readonly label: FraudLabel;
  readonly script: ScenarioScript;
  readonly plan: ScenarioPlan;
}

const SECOND_MS = 1000;

// Incident mix, and the mean number of events each incident produces (used to pace incidents).
const INCIDENT_WEIGHTS: Readonly<Record<FraudLabel, number>> = {
  account_takeover: 0.25,
  card_testing: 0.3,
  large_withdrawal: 0.25,
  mule_transfer: 0.2,
};
const MEAN_EVENTS: Readonly<Record<FraudLabel, number>> = {
  account_takeover: 7,
  card_testing: 20,
  large_withdrawal: 1.6,
  mule_transfer: 5.5,
};

function roundDown(amount: Cents, step: Cents): Cents {
  return Math.floor(amount / step) * step;
}

// Attackers prefer the small hours, when the owner is asleep and does not see the alerts.
function delayUntilNight(rng: Rng, now: number): number {
  let at = startOfDay(now) + HOUR_MS + rng.int(0, 239) * MINUTE_MS;
  if (at <= now) at += DAY_MS;
  return at - now;
}

// Stolen online-banking credentials: look at the balance, pull savings into checking, then send
// everything out in a few large online transfers until the account (and its overdraft) is empty.
function* accountTakeover(rng: Rng, bank: BankActions, victim: Customer, plan: ScenarioPlan): ScenarioScript {
  const drains = rng.int(2, 5);
  const sweepSavings = victim.savings !== undefined && victim.savings.balance > 100_00;
  plan.remaining = 1 + (sweepSavings ? 2 : 0) + drains + 1;
  yield rng.chance(0.7) ? delayUntilNight(rng, bank.now) : rng.int(1, 30) * MINUTE_MS;
  bank.inquiry(victim.checking, 'online');
  yield rng.int(30, 180) * SECOND_MS;
  if (sweepSavings && victim.savings) {
    bank.transfer(victim, 'checking', Math.round(victim.savings.balance * rng.uniform(0.85, 1)), 'online');
    yield rng.int(20, 120) * SECOND_MS;
  }
  for (let i = 0; i < drains; i++) {
    const available = bank.available(victim.checking);
    if (available < 20_00) return;
    const last = i === drains - 1;
    const amount = last ? available : Math.max(10_00, roundDown(available * rng.uniform(0.3, 0.7), 10_00));
    bank.withdraw(victim.checking, amount, 'online');
    if (!last) yield rng.int(30, 240) * SECOND_MS;
  }
}

// A stolen card number checked with a burst of tiny purchases seconds apart, sometimes followed by the
// real purchase once the card is known to work.
function* cardTesting(rng: Rng, bank: BankActions, victim: Customer, plan: ScenarioPlan): ScenarioScript {
  const probes = rng.int(8, 30);
  const cashOut = rng.chance(0.5);
  plan.remaining = probes + (cashOut ? 1 : 0);
  yield rng.int(0, 30) * MINUTE_MS;
  for (let i = 0; i < probes; i++) {
    bank.withdraw(victim.checking, rng.int(50, 499), 'card');
    yield rng.int(2, 25) * SECOND_MS;
  }
  if (cashOut) {
    const amount = Math.min(bank.available(victim.checking), rng.int(300, 1_500) * 100);
    if (amount >= 1_00) bank.withdraw(victim.checking, amount, 'card');
  }
}

// Cash out far beyond the customer's habit (coerced withdrawal, insider, or a stolen card and PIN).
function* largeWithdrawal(rng: Rng, bank: BankActions, victim: Customer, plan: ScenarioPlan): ScenarioScript {
  const checkFirst = rng.chance(0.4);
  plan.remaining = (checkFirst ? 1 : 0) + 1.6;
  yield rng.int(0, 120) * MINUTE_MS;
  if (checkFirst) {
    bank.inquiry(victim.checking, 'atm');
    yield rng.int(20, 90) * SECOND_MS;
  }
  const available = bank.available(victim.checking);
  const target = Math.max(victim.medians.atm * rng.uniform(15, 40), available * rng.uniform(0.6, 0.95));
  const amount = Math.min(roundDown(available, 100), roundDown(target, 100_00) || 100_00);
  if (amount >= 20_00) bank.withdraw(victim.checking, amount, amount > 1_000_00 ? 'branch' : 'atm');
}

// A money-mule account: transfers in from outside, each just under the $10,000 reporting threshold,
// then most of the money leaves again within hours, online and as ATM cash.
function* muleTransfer(rng: Rng, bank: BankActions, mule: Customer, plan: ScenarioPlan): ScenarioScript {
  const incoming = rng.int(1, 3);
  const outgoing = rng.int(2, 4);
  plan.remaining = incoming + outgoing + 0.5;
  yield rng.int(0, 60) * MINUTE_MS;
  let received = 0;
  for (let i = 0; i < incoming; i++) {
    const amount = rng.int(2_000, 9_500) * 100;
    bank.deposit(mule.checking, amount, 'transfer');
    received += amount;
    yield (i === incoming - 1 ? rng.int(10, 120) : rng.int(5, 60)) * MINUTE_MS;
  }
  let toMove = roundDown(received * rng.uniform(0.85, 0.97), 100);
  for (let j = 0; j < outgoing && toMove > 0; j++) {
    const atm = j === 0 && rng.chance(0.5);
    const share = j === outgoing - 1 ? toMove : roundDown((toMove / (outgoing - j)) * rng.uniform(0.8, 1.2), 100);
    const amount = Math.min(atm ? rng.int(25, 40) * 20_00 : share, toMove, roundDown(bank.available(mule.checking), 100));
    if (amount < 20_00) return;
    bank.withdraw(mule.checking, amount, atm ? 'atm' : 'online');
    toMove -= amount;
    yield rng.int(2, 40) * MINUTE_MS;
  }
}

// Decides when the next incident starts so that the share of fraud-labelled events converges on the
// requested rate. Each emitted event earns `rate` credit and each fraud event spends 1; an incident starts
// once the credit (minus events already promised by running incidents) passes a randomised threshold, so
// incidents arrive irregularly rather than every N events, yet the long-run rate is exact.
export class FraudPlanner {
  readonly #rng: Rng;
  readonly #customers: readonly Customer[];
  readonly #mules: readonly Customer[];
  readonly #rate: number;
  readonly #active = new Set<FraudScenario>();
  #credit = 0;
  #nextLabel: FraudLabel;
  #threshold: number;

  constructor(rng: Rng, customers: readonly Customer[], rate: number) {
    if (!(rate >= 0 && rate <= 0.5)) throw new RangeError(`fraud rate must be between 0 and 0.5, got ${rate}`);
    if (customers.length === 0) throw new RangeError('fraud scenarios need at least one customer');
    this.#rng = rng;
    this.#customers = customers;
    this.#rate = rate;
    // A few accounts are run by mules and are reused incident after incident, as in real mule networks.
    const muleCount = Math.max(1, Math.round(customers.length * 0.01));
    const mules: Customer[] = [];
    for (let i = 0; i < muleCount; i++) mules.push(rng.pick(customers));
    this.#mules = mules;
    [this.#nextLabel, this.#threshold] = this.#drawNext();
  }

  get mules(): readonly Customer[] {
    return this.#mules;
  }

  #drawNext(): [FraudLabel, number] {
    const label = FRAUD_LABELS[this.#rng.weighted(FRAUD_LABELS.map((l) => INCIDENT_WEIGHTS[l]))] ?? 'card_testing';
    return [label, MEAN_EVENTS[label] * this.#rng.uniform(0.2, 1.8)];
  }

  recordEvent(scenario: FraudScenario | undefined): void {
    this.#credit += this.#rate;
    if (scenario) {
      this.#credit -= 1;
      if (scenario.plan.remaining > 0) scenario.plan.remaining -= 1;
    }
  }

  finish(scenario: FraudScenario): void {
    this.#active.delete(scenario);
  }

  ready(): boolean {
    if (this.#rate === 0) return false;
    let promised = 0;
    for (const scenario of this.#active) promised += scenario.plan.remaining;
    return this.#credit - promised >= this.#threshold;
  }

  start(bank: BankActions): FraudScenario {
    const label = this.#nextLabel;
    [this.#nextLabel, this.#threshold] = this.#drawNext();
    const rng = this.#rng;
    const plan: ScenarioPlan = { remaining: MEAN_EVENTS[label] };
    let script: ScenarioScript;
    switch (label) {
      case 'account_takeover':
        script = accountTakeover(rng, bank, this.#victim((c) => c.checking.balance + (c.savings?.balance ?? 0) > 500_00), plan);
        break;
      case 'card_testing':
        script = cardTesting(rng, bank, this.#victim(() => true), plan);
        break;
      case 'large_withdrawal':
        script = largeWithdrawal(rng, bank, this.#victim((c) => c.checking.balance > 1_000_00), plan);
        break;
      case 'mule_transfer':
        script = muleTransfer(rng, bank, rng.pick(this.#mules), plan);
        break;
    }
    const scenario: FraudScenario = { label, script, plan };
    // A script's code up to its first yield only refines the plan and waits; it emits nothing.
    this.#active.add(scenario);
    return scenario;
  }

  // A random customer, preferring one that makes the incident worthwhile for the fraudster.
  #victim(worthwhile: (customer: Customer) => boolean): Customer {
    let candidate = this.#rng.pick(this.#customers);
    for (let tries = 0; tries < 10 && !worthwhile(candidate); tries++) candidate = this.#rng.pick(this.#customers);
    return candidate;
  }
}
