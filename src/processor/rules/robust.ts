// Robust statistics for the amount rules: median and median absolute deviation of a short history. One
// outlier (or an attacker's first steps) moves a mean and a standard deviation a lot, a median hardly:
// that is why baselines are medians, on log amounts (amounts are roughly log-normal: a 2x jump means the
// same at 20.00 as at 2,000.00).
import type { NormalizedTx } from '../validate.ts';

// MAD * 1.4826 estimates the standard deviation of normally distributed data.
export const MAD_TO_SIGMA = 1.4826;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function medianAbsoluteDeviation(values: readonly number[], center: number): number {
  return median(values.map((v) => Math.abs(v - center)));
}

// ln(cents), rounded to 1/1000: snapshots stay small, and the rounding (0.1% of the amount) is far below
// anything a rule decides on.
export function logAmount(cents: number): number {
  return Math.round(Math.log(Math.max(cents, 1)) * 1000) / 1000;
}

// A bounded history: the newest `max` values, oldest first.
export function pushBounded<T>(values: readonly T[], value: T, max: number): T[] {
  const from = values.length >= max ? values.length - max + 1 : 0;
  const next = new Array<T>(values.length - from + 1);
  for (let i = from; i < values.length; i++) next[i - from] = values[i] as T;
  next[values.length - from] = value;
  return next;
}

// The kind of counterparty from its id's prefix (MER-, PAY-, CHK-, SAV-, EXT-, ATM-), for accounts
// whose messages have no merchant category.
export function counterpartyKind(id: string | null): string {
  if (id === null) return '-';
  const dash = id.indexOf('-');
  return dash > 0 && dash <= 8 ? id.slice(0, dash) : 'other';
}

// Where money goes that is not sent to another party: merchants, ATMs and bill payees.
const NOT_A_PARTY: ReadonlySet<string> = new Set(['MER', 'ATM', 'PAY']);

// The other party of an approved withdrawal sent to a person or account (not a merchant, ATM or bill
// payee), else null: what the transfer rules (new_payee_again, check_then_transfer) look at.
export function transferPayee(tx: NormalizedTx): string | null {
  if (tx.type !== 'withdraw' || tx.status === 'declined' || tx.counterpartyId === null) return null;
  return NOT_A_PARTY.has(counterpartyKind(tx.counterpartyId)) ? null : tx.counterpartyId;
}

export const DAY_MS = 86_400_000;
