// The simulated bank's customers and their accounts. Customers join the simulation mid-life: each account
// starts with a balance drawn from where such a customer would be (the simulator moves checking to the
// right point of the pay cycle), and from then on a balance is only ever changed by the simulator while
// it emits the event that explains the change, which is what makes the stream reconcile.

import type { AccountType } from './transaction.ts';
import type { Cents } from './money.ts';
import { BACKGROUND_ACTIONS, PROFILE_NAMES, PROFILES } from './profiles.ts';
import type { BackgroundAction, Profile, Range } from './profiles.ts';
import type { Rng } from './rng.ts';
import { HOUR_MS, MINUTE_MS } from './calendar.ts';
import { CARD_MIX_MEAN } from './counterparties.ts';
import type { BillCategory } from './counterparties.ts';

export interface Account {
  readonly id: string;
  readonly type: AccountType;
  readonly customerIndex: number; // its customer's id is customerIdOf(customerIndex)
  balance: Cents;
  readonly lowBalanceThreshold: Cents;
  readonly overdraftLimit: Cents;
}

export interface Bill {
  readonly category: BillCategory;
  readonly dayOfMonth: number;
  readonly timeOfDayMs: number;
  readonly amount: Cents;
  // Utilities vary month to month; rent and insurance do not.
  readonly variable: boolean;
}

// Median amount (cents) of one event of each background action, derived from the customer's budget.
export type ActionMedians = Readonly<Record<BackgroundAction, Cents>>;

export interface Customer {
  readonly id: string;
  readonly index: number;
  readonly profile: Profile;
  readonly checking: Account;
  readonly savings: Account | undefined;
  readonly monthlyNetIncome: Cents;
  readonly payPerPeriod: Cents;
  readonly payrollPhase: number; // which alternate Friday a biweekly employer pays
  readonly payrollTimeOfDayMs: number;
  readonly savingsRate: number;
  readonly bills: readonly Bill[];
  readonly statementDay: number; // statement cycle day, 1..28
  // Unscheduled actions per day while active; the simulator's activity process runs on this.
  readonly backgroundPerDay: number;
  // Expected events per day on all the customer's accounts together, scheduled ones (payroll, bills,
  // statements) and the second leg of transfers included: sum over customers / accounts = mean events
  // per account per day, which sizes a population for a wanted event rate.
  readonly eventsPerDay: number;
  readonly medians: ActionMedians;
  readonly overdraftProtection: boolean;
  // Days from the start of the simulation during which the customer does nothing (0 = active): the
  // account sits unused with its balance until the customer comes back.
  readonly dormantDays: number;
}

// Spread of each action's amounts (log-normal sigma): card purchases are the most skewed.
export const AMOUNT_SIGMA: Readonly<Record<BackgroundAction, number>> = {
  card: 0.8,
  atm: 0.5,
  inquiry: 0,
  cash_deposit: 0.6,
  transfer_in: 0.7,
  from_savings: 0.6,
  to_savings: 0.6,
  p2p: 0.9,
  big_payment: 0.7,
};

// Share of customers whose account sits unused at the start, and how long the longest sleep lasts.
const DORMANT_SHARE = 0.03;
const MAX_DORMANT_DAYS = 240;

const DAYS_PER_MONTH = 30.44;
const PAY_PERIODS_PER_MONTH = { biweekly: 26 / 12, semimonthly: 2, monthly: 1, pension: 1 } as const;

function inRange(rng: Rng, range: Range): number {
  return rng.uniform(range.min, range.max);
}

// Ids are a prefix and the customer's number (index + 1) in ID_DIGITS digits: `CUS-0000042`, its accounts
// `CHK-0000042` and `SAV-0000042`. The simulator's record values write them from the index (sim-event.ts).
export const ID_DIGITS = 7;
export const CUSTOMER_ID_PREFIX = 'CUS-';
export const ACCOUNT_ID_PREFIX: Readonly<Record<AccountType, string>> = { checking: 'CHK-', savings: 'SAV-' };

function pad(n: number): string {
  return String(n).padStart(ID_DIGITS, '0');
}

// Ids follow from the customer's number, so a record made on another thread (simulator-thread.ts) names
// the same account without the Customer object.
export function customerIdOf(index: number): string {
  return `${CUSTOMER_ID_PREFIX}${pad(index + 1)}`;
}

export function accountIdOf(index: number, type: AccountType): string {
  return `${ACCOUNT_ID_PREFIX[type]}${pad(index + 1)}`;
}

// The account's number in the bank, 0 .. 2 * customers - 1: checking then savings, customer by customer.
export function accountIndexOf(index: number, type: AccountType): number {
  return 2 * index + (type === 'checking' ? 0 : 1);
}

// Converts a desired mean into the median of a log-normal with the given sigma (mean = median·e^(σ²/2)).
function medianForMean(mean: number, sigma: number): Cents {
  return Math.max(1, Math.round(mean / Math.exp((sigma * sigma) / 2)));
}

// Autopay runs in the morning; bills the customer pays by hand go out whenever they are online.
function makeBills(rng: Rng, monthlyBills: Cents, profile: Profile): Bill[] {
  const housingShare = rng.uniform(0.55, 0.7);
  const rest = 1 - housingShare;
  const at = (hour: number): number => (rng.chance(0.4) ? rng.weighted(profile.hourly) : hour) * HOUR_MS + rng.int(0, 59) * MINUTE_MS;
  return [
    { category: 'housing', dayOfMonth: rng.pick([1, 1, 1, 3, 5]), timeOfDayMs: at(rng.int(6, 9)), amount: Math.round(monthlyBills * housingShare), variable: false },
    { category: 'utilities', dayOfMonth: rng.int(5, 25), timeOfDayMs: at(rng.int(7, 11)), amount: Math.round(monthlyBills * rest * 0.45), variable: true },
    { category: 'telecom', dayOfMonth: rng.int(1, 28), timeOfDayMs: at(rng.int(8, 12)), amount: Math.round(monthlyBills * rest * 0.2), variable: false },
    { category: 'insurance', dayOfMonth: rng.int(1, 28), timeOfDayMs: at(rng.int(8, 12)), amount: Math.round(monthlyBills * rest * 0.35), variable: false },
  ];
}

function makeCustomer(rng: Rng, index: number, profile: Profile, withSavings: boolean): Customer {
  const monthlyNetIncome = Math.round(rng.logNormal(profile.monthlyNetIncome.median, profile.monthlyNetIncome.sigma));
  const spendRatio = inRange(rng, profile.spendRatio);
  const billsShare = Math.min(inRange(rng, profile.billsShare), spendRatio * 0.8);
  const savingsRate = withSavings ? inRange(rng, profile.savingsRate) : 0;
  const discretionary = monthlyNetIncome * (spendRatio - billsShare);
  const backgroundPerDay = profile.eventsPerDay * rng.logNormal(1, 0.4);

  let weightTotal = 0;
  for (const action of BACKGROUND_ACTIONS) weightTotal += profile.actionWeights[action];
  const perMonth = (action: BackgroundAction): number =>
    Math.max(0.01, (backgroundPerDay * DAYS_PER_MONTH * profile.actionWeights[action]) / weightTotal);
  const medians: ActionMedians = {
    // A typical purchase before the merchant's category scales it (see CARD_MIX_MEAN).
    card: medianForMean((discretionary * profile.cardSpendShare) / perMonth('card') / CARD_MIX_MEAN, AMOUNT_SIGMA.card),
    atm: medianForMean((discretionary * (1 - profile.cardSpendShare)) / perMonth('atm'), AMOUNT_SIGMA.atm),
    inquiry: 0,
    cash_deposit: medianForMean((monthlyNetIncome * profile.cashShare) / perMonth('cash_deposit'), AMOUNT_SIGMA.cash_deposit),
    transfer_in: medianForMean((monthlyNetIncome * profile.transferInShare) / perMonth('transfer_in'), AMOUNT_SIGMA.transfer_in),
    from_savings: medianForMean(monthlyNetIncome * 0.08, AMOUNT_SIGMA.from_savings),
    to_savings: medianForMean(monthlyNetIncome * 0.05, AMOUNT_SIGMA.to_savings),
    // Paying friends back, splitting rent: money goes round among customers, so it roughly nets out.
    p2p: medianForMean(Math.min(monthlyNetIncome * 0.03, 400_00), AMOUNT_SIGMA.p2p),
    // A car repair, a deposit, tuition, a holiday: paid from savings to an account outside the bank.
    big_payment: medianForMean(monthlyNetIncome * 0.5, AMOUNT_SIGMA.big_payment),
  };

  const lowBalanceThreshold = Math.round(inRange(rng, profile.lowBalanceThreshold) / 100) * 100;
  const checking: Account = {
    id: accountIdOf(index, 'checking'),
    type: 'checking',
    customerIndex: index,
    // The buffer a customer keeps; the simulator adds what is left of the current pay.
    balance: Math.max(100, Math.round(monthlyNetIncome * inRange(rng, profile.openingCheckingMonths))),
    lowBalanceThreshold,
    overdraftLimit: rng.pick(profile.overdraftLimits),
  };
  const savings: Account | undefined = withSavings
    ? {
        id: accountIdOf(index, 'savings'),
        type: 'savings',
        customerIndex: index,
        balance: Math.max(100, Math.round(monthlyNetIncome * inRange(rng, profile.openingSavingsMonths))),
        lowBalanceThreshold: Math.round(lowBalanceThreshold / 200) * 100, // whole dollars, like checking
        overdraftLimit: 0,
      }
    : undefined;
  return {
    id: customerIdOf(index),
    index,
    profile,
    checking,
    savings,
    monthlyNetIncome,
    payPerPeriod: Math.round((monthlyNetIncome * (1 - profile.transferInShare - profile.cashShare)) / PAY_PERIODS_PER_MONTH[profile.payroll]),
    payrollPhase: rng.int(0, 1),
    payrollTimeOfDayMs: rng.int(5, 6) * HOUR_MS + rng.int(0, 59) * MINUTE_MS,
    savingsRate,
    bills: makeBills(rng, monthlyNetIncome * billsShare, profile),
    statementDay: rng.int(1, 28),
    backgroundPerDay,
    eventsPerDay: expectedEventsPerDay(backgroundPerDay, profile, withSavings),
    medians,
    overdraftProtection: withSavings && rng.chance(profile.overdraftProtectionProbability),
    dormantDays: rng.chance(DORMANT_SHARE) ? rng.uniform(1, MAX_DORMANT_DAYS) : 0,
  };
}

// Background actions that emit two events (both legs of a transfer), scheduled events (payroll, four
// bills, a statement per account each month, savings sweeps) and follow-up purchases in a shopping session.
function expectedEventsPerDay(backgroundPerDay: number, profile: Profile, withSavings: boolean): number {
  const w = profile.actionWeights;
  let total = 0;
  for (const action of BACKGROUND_ACTIONS) total += w[action];
  const twoLegs = (w.from_savings + w.to_savings + w.p2p) / total;
  const followUps = (FOLLOW_UP_CHANCE * w.card) / total;
  const payrolls = PAY_PERIODS_PER_MONTH[profile.payroll] * (withSavings ? 3 : 1);
  const monthly = payrolls + 4 + (withSavings ? 2 : 1);
  return backgroundPerDay * (1 + twoLegs + followUps) + monthly / DAYS_PER_MONTH;
}

// Chance that a card purchase is followed by another within the minute (shopping session, split payment).
export const FOLLOW_UP_CHANCE = 0.032;

// Customers until exactly `accountCount` accounts exist: each has a checking account and, depending on
// the profile, a savings account (the last customer may get checking only to hit the count).
export function createPopulation(rng: Rng, accountCount: number): Customer[] {
  if (!Number.isInteger(accountCount) || accountCount < 1) throw new RangeError(`accounts must be an integer >= 1, got ${accountCount}`);
  const shares = PROFILE_NAMES.map((name) => PROFILES[name].populationShare);
  const customers: Customer[] = [];
  let accounts = 0;
  while (accounts < accountCount) {
    const profile = PROFILES[PROFILE_NAMES[rng.weighted(shares)] ?? 'young_professional'];
    const withSavings = accountCount - accounts >= 2 && rng.chance(profile.hasSavingsProbability);
    customers.push(makeCustomer(rng, customers.length, profile, withSavings));
    accounts += withSavings ? 2 : 1;
  }
  return customers;
}

export function accountsOf(customer: Customer): Account[] {
  return customer.savings ? [customer.checking, customer.savings] : [customer.checking];
}
