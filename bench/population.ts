// The simulated bank the benchmarks run: the bank `buzzline produce` builds by default (its default
// --rate, sized by src/producer/population.ts from the simulator's own events per account and day),
// fast-forwarded. Each 1 s event-time window then holds about `rate` records whatever the speed, as in a
// real-time run, and the processor holds per-account state for the whole population.
//
// BENCH_ACCOUNTS (environment) overrides the population, e.g. 1000 for the small bank of earlier reports.

import { DEFAULTS } from '../src/producer/config.ts';
import { accountsForRate } from '../src/producer/population.ts';

function accountsFromEnv(): number {
  const raw = process.env.BENCH_ACCOUNTS;
  if (raw === undefined || raw.trim() === '') return accountsForRate(DEFAULTS.rate);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_ACCOUNTS must be a whole number of accounts, got "${raw}"`);
  return n;
}

export const BENCH_ACCOUNTS = accountsFromEnv();
