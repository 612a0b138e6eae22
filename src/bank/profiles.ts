// Customer segments. Each profile sets a budget (net income, how much of it goes to bills, discretionary
// spending and savings) and a behaviour (how often, when and through which channels the customer acts).
// The simulator derives per-event amounts from the budget, so balances drift the way real ones do: most
// customers roughly break even month to month, some slowly run down and hit their low-balance threshold.

import type { Cents } from './money.ts';

export const PROFILE_NAMES = ['student', 'young_professional', 'family', 'retiree', 'high_net_worth'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export type PayrollSchedule = 'biweekly' | 'semimonthly' | 'monthly' | 'pension';

// Background actions: the unscheduled things a customer does during the day.
export const BACKGROUND_ACTIONS = ['card', 'atm', 'inquiry', 'cash_deposit', 'transfer_in', 'from_savings', 'to_savings', 'p2p', 'big_payment'] as const;
export type BackgroundAction = (typeof BACKGROUND_ACTIONS)[number];

export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface Profile {
  readonly name: ProfileName;
  readonly populationShare: number;
  readonly monthlyNetIncome: { readonly median: Cents; readonly sigma: number };
  readonly payroll: PayrollSchedule;
  // Income that does not come from payroll: family support or side gigs (transfers in) and cash (tips).
  readonly transferInShare: number;
  readonly cashShare: number;
  // All outgoings (bills + discretionary) as a share of net income; above 1 means slowly running down.
  readonly spendRatio: Range;
  readonly billsShare: Range;
  readonly savingsRate: Range;
  readonly hasSavingsProbability: number;
  // Median background events per day; each customer gets a log-normal personal multiplier.
  readonly eventsPerDay: number;
  readonly actionWeights: Readonly<Record<BackgroundAction, number>>;
  // Share of discretionary spending paid by card; the rest is ATM cash.
  readonly cardSpendShare: number;
  readonly hourly: readonly number[]; // 24 relative activity levels, 00:00..23:00 UTC
  readonly weekly: readonly number[]; // 7 relative activity levels, Sunday..Saturday
  readonly lowBalanceThreshold: Range; // cents
  readonly overdraftLimits: readonly Cents[];
  readonly openingCheckingMonths: Range; // opening balance in months of net income
  readonly openingSavingsMonths: Range;
  readonly inquiryChannels: Readonly<Record<'online' | 'atm' | 'branch', number>>;
  // Share of customers who let the bank top up checking from savings when it runs low.
  readonly overdraftProtectionProbability: number;
}

const DAYTIME = [0.15, 0.08, 0.05, 0.04, 0.05, 0.15, 0.4, 0.8, 1.1, 1.2, 1.3, 1.5, 1.8, 1.6, 1.3, 1.3, 1.5, 1.8, 1.9, 1.7, 1.4, 1.1, 0.7, 0.35];
const NIGHT_OWL = [0.6, 0.45, 0.3, 0.15, 0.08, 0.05, 0.1, 0.25, 0.5, 0.7, 0.9, 1.2, 1.5, 1.4, 1.2, 1.2, 1.4, 1.6, 1.8, 1.9, 1.9, 1.7, 1.3, 0.9];
const EARLY_BIRD = [0.05, 0.03, 0.02, 0.02, 0.05, 0.2, 0.6, 1.2, 1.7, 1.9, 1.9, 1.8, 1.6, 1.5, 1.4, 1.2, 1.0, 0.9, 0.8, 0.6, 0.4, 0.25, 0.12, 0.07];

const WORKWEEK = [0.85, 0.95, 0.95, 1.0, 1.05, 1.3, 1.2];
const STUDENT_WEEK = [1.0, 0.9, 0.9, 0.95, 1.0, 1.3, 1.35];
const RETIREE_WEEK = [0.7, 1.05, 1.05, 1.05, 1.05, 1.1, 0.9];

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  student: {
    name: 'student',
    populationShare: 0.15,
    monthlyNetIncome: { median: 1_400_00, sigma: 0.35 },
    payroll: 'biweekly',
    transferInShare: 0.4,
    cashShare: 0.1,
    spendRatio: { min: 0.9, max: 1.05 },
    billsShare: { min: 0.35, max: 0.5 },
    savingsRate: { min: 0, max: 0.03 },
    hasSavingsProbability: 0.35,
    eventsPerDay: 4.5,
    actionWeights: { card: 70, atm: 6, inquiry: 12, cash_deposit: 2, transfer_in: 3, from_savings: 1, to_savings: 0.5, p2p: 5, big_payment: 0.1 },
    cardSpendShare: 0.85,
    hourly: NIGHT_OWL,
    weekly: STUDENT_WEEK,
    lowBalanceThreshold: { min: 50_00, max: 250_00 },
    overdraftLimits: [0, 0, 100_00],
    openingCheckingMonths: { min: 0.2, max: 0.8 },
    openingSavingsMonths: { min: 0.1, max: 1 },
    inquiryChannels: { online: 85, atm: 13, branch: 2 },
    overdraftProtectionProbability: 0.3,
  },
  young_professional: {
    name: 'young_professional',
    populationShare: 0.3,
    monthlyNetIncome: { median: 4_200_00, sigma: 0.35 },
    payroll: 'biweekly',
    transferInShare: 0.03,
    cashShare: 0.01,
    spendRatio: { min: 0.8, max: 0.98 },
    billsShare: { min: 0.35, max: 0.5 },
    savingsRate: { min: 0.03, max: 0.15 },
    hasSavingsProbability: 0.75,
    eventsPerDay: 3.5,
    actionWeights: { card: 70, atm: 5, inquiry: 15, cash_deposit: 1, transfer_in: 1, from_savings: 1.5, to_savings: 1.5, p2p: 4, big_payment: 0.15 },
    cardSpendShare: 0.92,
    hourly: DAYTIME,
    weekly: WORKWEEK,
    lowBalanceThreshold: { min: 300_00, max: 1_200_00 },
    overdraftLimits: [0, 250_00, 500_00],
    openingCheckingMonths: { min: 0.3, max: 1.2 },
    openingSavingsMonths: { min: 0.5, max: 4 },
    inquiryChannels: { online: 90, atm: 8, branch: 2 },
    overdraftProtectionProbability: 0.6,
  },
  family: {
    name: 'family',
    populationShare: 0.3,
    monthlyNetIncome: { median: 7_000_00, sigma: 0.35 },
    payroll: 'semimonthly',
    transferInShare: 0.02,
    cashShare: 0.01,
    spendRatio: { min: 0.85, max: 1.0 },
    billsShare: { min: 0.45, max: 0.6 },
    savingsRate: { min: 0.02, max: 0.1 },
    hasSavingsProbability: 0.8,
    eventsPerDay: 5,
    actionWeights: { card: 72, atm: 7, inquiry: 10, cash_deposit: 1, transfer_in: 0.5, from_savings: 2, to_savings: 1, p2p: 2, big_payment: 0.15 },
    cardSpendShare: 0.9,
    hourly: DAYTIME,
    weekly: WORKWEEK,
    lowBalanceThreshold: { min: 500_00, max: 2_000_00 },
    overdraftLimits: [0, 500_00, 1_000_00],
    openingCheckingMonths: { min: 0.2, max: 0.8 },
    openingSavingsMonths: { min: 0.5, max: 3 },
    inquiryChannels: { online: 80, atm: 12, branch: 8 },
    overdraftProtectionProbability: 0.7,
  },
  retiree: {
    name: 'retiree',
    populationShare: 0.18,
    monthlyNetIncome: { median: 2_900_00, sigma: 0.4 },
    payroll: 'pension',
    transferInShare: 0.05,
    cashShare: 0.02,
    spendRatio: { min: 0.85, max: 1.02 },
    billsShare: { min: 0.4, max: 0.55 },
    savingsRate: { min: 0, max: 0.05 },
    hasSavingsProbability: 0.85,
    eventsPerDay: 2.2,
    actionWeights: { card: 50, atm: 14, inquiry: 28, cash_deposit: 2, transfer_in: 1, from_savings: 3, to_savings: 1, p2p: 1, big_payment: 0.1 },
    cardSpendShare: 0.7,
    hourly: EARLY_BIRD,
    weekly: RETIREE_WEEK,
    lowBalanceThreshold: { min: 300_00, max: 1_500_00 },
    overdraftLimits: [0, 0, 250_00],
    openingCheckingMonths: { min: 0.5, max: 2 },
    openingSavingsMonths: { min: 3, max: 24 },
    inquiryChannels: { online: 45, atm: 30, branch: 25 },
    overdraftProtectionProbability: 0.8,
  },
  high_net_worth: {
    name: 'high_net_worth',
    populationShare: 0.07,
    monthlyNetIncome: { median: 22_000_00, sigma: 0.5 },
    payroll: 'monthly',
    transferInShare: 0.2,
    cashShare: 0,
    spendRatio: { min: 0.55, max: 0.85 },
    billsShare: { min: 0.25, max: 0.4 },
    savingsRate: { min: 0.1, max: 0.3 },
    hasSavingsProbability: 0.98,
    eventsPerDay: 4,
    actionWeights: { card: 75, atm: 2, inquiry: 12, cash_deposit: 0.2, transfer_in: 2, from_savings: 2, to_savings: 3, p2p: 2, big_payment: 0.3 },
    cardSpendShare: 0.97,
    hourly: DAYTIME,
    weekly: WORKWEEK,
    lowBalanceThreshold: { min: 3_000_00, max: 15_000_00 },
    overdraftLimits: [2_500_00, 5_000_00, 10_000_00],
    openingCheckingMonths: { min: 0.5, max: 2 },
    openingSavingsMonths: { min: 6, max: 36 },
    inquiryChannels: { online: 92, atm: 2, branch: 6 },
    overdraftProtectionProbability: 0.9,
  },
};

// hourly × weekly flattened to 168 hour-of-week factors whose mean is 1, so eventsPerDay keeps its meaning
// while the curve decides when in the week those events happen.
export function weeklyActivity(profile: Profile): Float64Array {
  const table = new Float64Array(168);
  let sum = 0;
  for (let day = 0; day < 7; day++) {
    for (let hour = 0; hour < 24; hour++) {
      const factor = (profile.weekly[day] ?? 1) * (profile.hourly[hour] ?? 1);
      table[day * 24 + hour] = factor;
      sum += factor;
    }
  }
  for (let i = 0; i < 168; i++) table[i] = (table[i] ?? 0) / (sum / 168);
  return table;
}
