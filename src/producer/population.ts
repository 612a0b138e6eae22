// How big a bank makes `--rate` transactions per second in real time. Customers keep realistic habits (a
// few transactions a day, payroll on payroll days), so at the wall clock's pace the rate is set by the
// number of accounts: accounts = rate × 86,400 / (events per account per simulated day).
//
// The events per account per day are measured from the simulator itself rather than written down, so the
// relation follows whatever the customer profiles do: a fixed-seed sample bank runs for two simulated
// weeks after five days of settling in (every account's first touch adds its opening deposit, which would
// inflate the first days). Fixed seed and start, so the answer is the same on every run and a bank resumed
// with the same --rate gets the same number of accounts.

import { Simulator } from '../bank/simulator.ts';
import { DAY_MS } from '../bank/calendar.ts';

const SAMPLE_ACCOUNTS = 300;
const SETTLE_DAYS = 5;
const SAMPLE_DAYS = 14;
// A Monday, so the sample spans whole weeks.
const SAMPLE_START_MS = Date.UTC(2026, 0, 5);

let measured: number | undefined;

// Mean events per account per simulated day, without fraud (fraud adds a share on top, which --fraud-rate
// states itself). Memoised: the sample (about 11,000 events) takes ~0.03 s.
export function eventsPerAccountDay(): number {
  if (measured !== undefined) return measured;
  const sim = new Simulator({ seed: 'population-sample', accounts: SAMPLE_ACCOUNTS, fraudRate: 0, startMs: SAMPLE_START_MS });
  const from = SAMPLE_START_MS + SETTLE_DAYS * DAY_MS;
  const to = from + SAMPLE_DAYS * DAY_MS;
  while (sim.nextEvent().atMs < from);
  let events = 1;
  while (sim.nextEvent().atMs < to) events++;
  measured = events / SAMPLE_ACCOUNTS / SAMPLE_DAYS;
  return measured;
}

// The accounts that make `rate` transactions per second on average at the wall clock's pace (at least 1).
export function accountsForRate(rate: number): number {
  return Math.max(1, Math.round((rate * 86_400) / eventsPerAccountDay()));
}

// The mean transactions per second `accounts` make at the wall clock's pace.
export function rateForAccounts(accounts: number): number {
  return (accounts * eventsPerAccountDay()) / 86_400;
}
