// The simulated bank the benchmarks run: a population sized for the producer's default rate, fast-forwarded.
// With wall-clock event time a customer makes about EVENTS_PER_ACCOUNT_DAY transactions a day, so a bank
// producing `rate` transactions per second has rate × 86,400 / EVENTS_PER_ACCOUNT_DAY accounts, and each
// 1 s event-time window holds about `rate` records whatever the speed. The benchmarks build that bank
// directly (the simulator's `accounts`), so their data looks like a real-time run's: many accounts,
// windows of several records, per-account state for hundreds of thousands of accounts.
//
// BENCH_ACCOUNTS (environment) overrides the population, e.g. 1000 for the small bank of earlier reports.

const DEFAULT_RATE = 20; // transactions per second: `buzzline produce`'s default --rate
const EVENTS_PER_ACCOUNT_DAY = 2.67; // the simulator's mean over its customer profiles

function accountsFromEnv(): number {
  const raw = process.env.BENCH_ACCOUNTS;
  if (raw === undefined || raw.trim() === '') return Math.round((DEFAULT_RATE * 86_400) / EVENTS_PER_ACCOUNT_DAY);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_ACCOUNTS must be a whole number of accounts, got "${raw}"`);
  return n;
}

export const BENCH_ACCOUNTS = accountsFromEnv();
