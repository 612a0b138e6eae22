// Robust statistics for the amount rules: median and median absolute deviation of a short history. One
// outlier (or an attacker's first steps) moves a mean and a standard deviation a lot, a median hardly:
// that is why baselines are medians, on log amounts (amounts are roughly log-normal: a 2x jump means the
// same at 20.00 as at 2,000.00).
import type { NormalizedTx } from '../validate.ts';

// MAD * 1.4826 estimates the standard deviation of normally distributed data.
export const MAD_TO_SIGMA = 1.4826;

// Scratch space for the medians: they run for nearly every record, over short histories (64 values at
// most, as the settings allow), and sorting a copy of the history per record made garbage that the
// processor then spent its time collecting.
let scratch = new Float64Array(64);

// The median of values[0..n) in scratch, sorted in place (insertion sort: n is small).
function scratchMedian(n: number): number {
  for (let i = 1; i < n; i++) {
    const v = scratch[i] as number;
    let j = i - 1;
    while (j >= 0 && (scratch[j] as number) > v) {
      scratch[j + 1] = scratch[j] as number;
      j--;
    }
    scratch[j + 1] = v;
  }
  const mid = n >> 1;
  return n % 2 === 1 ? (scratch[mid] as number) : ((scratch[mid - 1] as number) + (scratch[mid] as number)) / 2;
}

// Copies values[from..to) to scratch; returns how many.
function toScratch(values: readonly number[], from: number, to: number): number {
  const n = to - from;
  if (n > scratch.length) scratch = new Float64Array(n);
  for (let i = 0; i < n; i++) scratch[i] = values[from + i] as number;
  return n;
}

// Of values[from..to), by default all of them.
export function median(values: readonly number[], from = 0, to = values.length): number {
  return scratchMedian(toScratch(values, from, to));
}

export function medianAbsoluteDeviation(values: readonly number[], center: number, from = 0, to = values.length): number {
  const n = toScratch(values, from, to);
  for (let i = 0; i < n; i++) scratch[i] = Math.abs((scratch[i] as number) - center);
  return scratchMedian(n);
}

// ln(cents), rounded to 1/1000: snapshots stay small, and the rounding (0.1% of the amount) is far below
// anything a rule decides on.
export function logAmount(cents: number): number {
  return Math.round(Math.log(Math.max(cents, 1)) * 1000) / 1000;
}

// A bounded history, changed in place: value goes last, and the oldest go so that at most `max` remain.
// A full history turns over where it is. A growing one grows as V8 grows arrays, with room to spare:
// about a third more heap per account (3.5 KB instead of 2.6 KB at the bench's bank) than copying it into
// an exact-sized array on every append, but that copy, referenced from the long-lived account state,
// made garbage whose collection cost more CPU (7-12% per record) than the memory was worth.
export function pushBounded<T>(values: T[], value: T, max: number): void {
  if (values.length < max) {
    values.push(value);
    return;
  }
  const from = values.length - max + 1;
  for (let i = from; i < values.length; i++) values[i - from] = values[i] as T;
  values.length = max;
  values[max - 1] = value;
}

// Keeps, in place and in order, the values for which keep() holds.
export function retain<T>(values: T[], keep: (value: T) => boolean): void {
  let kept = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as T;
    if (keep(v)) values[kept++] = v;
  }
  values.length = kept;
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
