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

// A bounded history: value goes last, and the oldest go so that at most `max` remain. Returns the list:
// the one given, changed in place, unless it had no room for the value (withRoom says how lists are
// sized). A full history turns over where it is. Copying the history into an exact-sized array on every
// append made garbage whose collection cost more CPU (7-12% per record) than the memory was worth: an
// account's state lives long enough to be promoted.
//
// The list's elements are written by builtins here and in retain (push and shift, which V8 compiles for
// each kind of array it has seen; concat and fill when it grows), not by an index store: an index store
// in shared code that V8 has seen write both numbers and other values turns every array it writes to
// into one that holds any value, each number boxed (16 bytes more), and this code serves lists of both.
export function pushBounded<T>(values: T[], value: T, max: number): T[] {
  const n = values.length;
  if (n < max && n >= roomOf(n, max)) {
    const list = values.concat(holes(roomOf(n + 1, max) - n));
    list.fill(value, n, n + 1);
    list.length = n + 1;
    return list;
  }
  while (values.length >= max) values.shift();
  values.push(value);
  return values;
}

// The list made `length` long (length > 0), its values kept and the new places for the caller to fill:
// the list itself when its storage has room, else a copy in larger storage. For lists that never hold
// more than `max`.
//
// Why not let a push grow it: V8 gives an array that a push outgrows 16 spare slots and half its length
// again, and most of the rules' per-account lists hold a few values (at the bench's bank that spare room
// was about a quarter of the account state). A list of at most 16 values gets storage for `max` at once
// (V8 would give it 17 places); a longer one gets room for a power of two of values from 4 (at most max),
// and a list that reaches such a length is full and is copied into storage twice as large: a few copies
// in its life, for lists that grow slowly (payees, merchants). A list that shrank and grows back past a
// power of two is copied although its storage may still have room (V8 does not tell), and every copy
// leaves the old storage to the garbage collector: lists that come and go by the record keep V8's
// growth. One read from a snapshot (storage for its length) gets V8's room when it grows, until it next
// reaches a power of two; one shortened to nothing gives its storage up (V8 does so at length 0).
export function withRoom<T>(values: T[], length: number, max: number): T[] {
  const list = length <= roomOf(values.length, max) ? values : values.concat(holes(roomOf(length, max) - values.length));
  list.length = length;
  return list;
}

// The storage withRoom gives a list of `length` values.
function roomOf(length: number, max: number): number {
  if (length === 0) return 0;
  if (max <= 16) return Math.max(length, max);
  return Math.max(length, Math.min(max, Math.max(4, 2 ** (32 - Math.clz32(length - 1)))));
}

// n empty places (never written: concat copies them).
function holes(n: number): never[] {
  return new Array<never>(n);
}

// Keeps, in place and in order, the values for which keep() holds. Builtins write the list, as in
// pushBounded; the rules' lists are windows in time order, whose oldest values go first.
export function retain<T>(values: T[], keep: (value: T) => boolean): void {
  let i = 0;
  while (i < values.length) {
    if (keep(values[i] as T)) i++;
    else if (i === 0) values.shift();
    else values.splice(i, 1);
  }
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
