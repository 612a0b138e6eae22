// amount_outlier (LOW): an amount far above what this account usually moves in this kind of
// transaction. Replaces v1's large_amount, whose one baseline per transaction type judged rent against
// card purchases. The baseline is per account and per type x channel x merchant category (or, without a
// category, the kind of counterparty), on log amounts, with median and MAD over the newest `history`
// amounts of that kind: robust to the outliers it is looking for. A kind without enough history yet and
// without a payee or category to say what it is (the first cash withdrawal at a branch) is judged against
// the account's baseline for the type over all channels (kind `<type>|*`), kept beside the others; a first
// payment to a new kind of payee (the first rent) is not, or rent would be judged against groceries again.
//
// Recurring payments (same payee, amount within `recurringTolerance`, 25-35 days after the previous one)
// are recognised and never alerted: the monthly rent is not news. Alerted amounts do not join the
// baseline, so a fraudster's large withdrawals do not teach the rule that large is normal.
// Bounded state: at most `maxKinds` kinds per account (least recently used goes) and `history` amounts
// each, and the last payment of at most 8 payees.
import type { AlertDetails } from '../alert.ts';
import { formatCents } from './explain.ts';
import { counterpartyKind, DAY_MS, logAmount, MAD_TO_SIGMA, median, medianAbsoluteDeviation, pushBounded, withRoom } from './robust.ts';
import { defineRule, writable } from './rule.ts';

// An account's kinds and payees in four flat lists, not an object and an array per kind: at the bench's
// bank this rule's state was about half of the processor's heap per account (1.9 KB of 3.7 KB), mostly
// the fixed cost of small arrays (V8 gives an array 17 slots at its first append) and objects, not the
// amounts themselves. Numbers in a list of their own are stored unboxed.
export interface AmountOutlierState {
  kinds: string[]; // the kinds' keys, least recently used first
  // Every kind's amounts, ln(cents) oldest first, one kind after the other in the order of `kinds`, each
  // run preceded by its length: [n0, the n0 amounts of kinds[0], n1, the n1 amounts of kinds[1], ...].
  logs: number[];
  payees: string[]; // the last payees paid, most recently paid last
  paid: number[]; // each payee's last payment, two numbers per payee: event time, amount in cents
}

const MAX_PAYEES = 8;
const WITHDRAW_ANY = 'withdraw|*';
const DEPOSIT_ANY = 'deposit|*';

// Kind keys built once and reused: a key built per record is a new string that every comparison with the
// account's kinds has to flatten and compare in full, and most of this rule's time went there. The kinds
// seen in practice are a few hundred; the cache stops growing at MAX_CACHED_KINDS (categories come from
// the input), and a key beyond it is built each time.
const MAX_CACHED_KINDS = 4096;
const kindKeys = new Map<string, Map<string, Map<string, string>>>();
let cachedKinds = 0;

function kindKey(type: string, channel: string, what: string): string {
  let byChannel = kindKeys.get(type);
  if (byChannel === undefined) kindKeys.set(type, (byChannel = new Map()));
  let byWhat = byChannel.get(channel);
  if (byWhat === undefined) byChannel.set(channel, (byWhat = new Map()));
  let key = byWhat.get(what);
  if (key === undefined) {
    key = `${type}|${channel}|${what}`;
    if (cachedKinds < MAX_CACHED_KINDS) {
      byWhat.set(what, key);
      cachedKinds++;
    }
  }
  return key;
}

export const amountOutlier = defineRule({
  name: 'amount_outlier',
  severity: 'LOW',
  weight: 0.15,
  summary: 'amount far above the account history for this kind of transaction',
  description:
    "robust z-score of ln(amount) against this account's median and MAD for the same type x channel x merchant category (or counterparty kind) is ≥ `zThreshold`, amount ≥ `minCents`, after `minHistory` amounts; MAD floored at `madFloor`; recurring payments (same payee, ±`recurringTolerance`, 25–35 days apart) and alerted amounts never join or trip the baseline",
  settings: {
    zThreshold: { kind: 'number', default: 4, min: 0.5, max: 100, help: 'robust z-score that triggers' },
    madFloor: { kind: 'number', default: 0.3, min: 0.01, max: 5, help: 'smallest MAD of ln(amount) used (0.3: about 35%)' },
    minHistory: { kind: 'integer', default: 5, min: 2, max: 64, help: 'amounts of the kind needed before judging' },
    history: { kind: 'integer', default: 16, min: 4, max: 64, help: 'amounts kept per kind' },
    maxKinds: { kind: 'integer', default: 10, min: 2, max: 64, help: 'kinds kept per account (the type-level baselines included)' },
    minCents: { kind: 'integer', default: 200_00, min: 0, help: 'smaller amounts never alert' },
    recurringTolerance: { kind: 'number', default: 0.15, min: 0, max: 1, help: 'relative amount difference of a recurring payment' },
  },
  initialState: initialAmountOutlierState,
  evaluate(tx, state, config) {
    if ((tx.type !== 'withdraw' && tx.type !== 'deposit') || tx.status === 'declined' || tx.amountCents <= 0) return { alert: null, state };
    const key = kindKey(tx.type, tx.channel ?? '-', tx.merchantCategory ?? counterpartyKind(tx.counterpartyId));
    const typeKey = tx.type === 'withdraw' ? WITHDRAW_ANY : DEPOSIT_ANY;
    // One pass over the few kinds, without closures or an iterator: this runs for nearly every record.
    // own, ofType: where the kind's run starts in logs (its length), -1 when the account has no such kind.
    const { kinds, logs } = state;
    let own = -1;
    let ofType = -1;
    for (let i = 0, at = 0; i < kinds.length; at += 1 + (logs[at] as number), i++) {
      const k = kinds[i] as string;
      if (k === key) own = at;
      else if (k === typeKey) ofType = at;
    }
    const anonymous = tx.merchantCategory === null && tx.counterpartyId === null;
    const kind = (own >= 0 && (logs[own] as number) >= config.minHistory) || !anonymous ? own : ofType;
    const amounts = kind < 0 ? 0 : (logs[kind] as number);
    const x = logAmount(tx.amountCents);

    const payee = tx.counterpartyId;
    const previous = payee === null ? -1 : state.payees.indexOf(payee);
    const sinceMs = previous < 0 ? 0 : tx.timestampMs - (state.paid[previous * 2] as number);
    const previousCents = previous < 0 ? 0 : (state.paid[previous * 2 + 1] as number);
    const recurring =
      previous >= 0 && sinceMs >= 25 * DAY_MS && sinceMs <= 35 * DAY_MS && Math.abs(tx.amountCents - previousCents) <= config.recurringTolerance * previousCents;

    let alert: AlertDetails | null = null;
    if (amounts >= config.minHistory && !recurring && tx.amountCents >= config.minCents) {
      const kindName = kind === own ? key : typeKey;
      const center = median(logs, kind + 1, kind + 1 + amounts);
      const mad = medianAbsoluteDeviation(logs, center, kind + 1, kind + 1 + amounts);
      const scale = MAD_TO_SIGMA * Math.max(mad, config.madFloor);
      const z = (x - center) / scale;
      if (z >= config.zThreshold) {
        const typical = Math.round(Math.exp(center));
        alert = {
          observed: { amount_cents: tx.amountCents, median_cents: typical, robust_z: Math.round(z * 100) / 100, history: amounts, kind: kindName },
          threshold: { robust_z: config.zThreshold, mad_floor: config.madFloor, min_cents: config.minCents },
          explanation:
            `${tx.type} of ${formatCents(tx.amountCents)} is ${(tx.amountCents / typical).toFixed(1)}x this account's median ${formatCents(typical)} ` +
            `for ${kindName.replace('|*', ' (any channel)').replaceAll('|', ' / ')} (robust z ${z.toFixed(1)} over ${amounts} amounts, threshold ${config.zThreshold})`,
        };
      }
    }

    if (alert !== null && payee === null) return { alert, state };
    const next = writable(state, initialAmountOutlierState);
    // The alerted amount stays out of the baseline; a recurring payment is normal and joins it.
    if (alert === null) learn(next, key, own, typeKey, ofType, x, config);
    // The payee's last payment is remembered alert or not: the same bill a month later is recurring.
    if (payee !== null) {
      const { payees, paid } = next;
      if (previous >= 0) {
        // The payee moves to the end, with this payment.
        for (let i = previous; i < payees.length - 1; i++) {
          payees[i] = payees[i + 1] as string;
          paid[i * 2] = paid[i * 2 + 2] as number;
          paid[i * 2 + 1] = paid[i * 2 + 3] as number;
        }
        payees[payees.length - 1] = payee;
        paid[paid.length - 2] = tx.timestampMs;
        paid[paid.length - 1] = tx.amountCents;
      } else {
        // The least recently paid goes when there is no room: in `paid`, each push drops one number of its pair.
        next.payees = pushBounded(payees, payee, MAX_PAYEES);
        next.paid = pushBounded(pushBounded(paid, tx.timestampMs, MAX_PAYEES * 2), tx.amountCents, MAX_PAYEES * 2);
      }
    }
    return { alert, state: next };
  },
});

function initialAmountOutlierState(): AmountOutlierState {
  return { kinds: [], logs: [], payees: [], paid: [] };
}

// Amounts of the two kinds being moved, while the others are moved up in logs: history is at most 64.
const moving = new Float64Array(2 * 65);

// x joins the type's and the kind's baselines (runs at ofType and own in logs, -1: new), which go last
// (most recently used), the type's first; the least recently used other kinds go when there are more than
// maxKinds, and each run keeps its newest `history` amounts. In place: the account's lists get new storage
// only when they outgrow theirs.
function learn(state: AmountOutlierState, key: string, own: number, typeKey: string, ofType: number, x: number, config: { history: number; maxKinds: number }): void {
  const { kinds, logs } = state;
  const typeLength = moveRun(logs, ofType, x, config.history, 0);
  const ownLength = moveRun(logs, own, x, config.history, typeLength);
  let drop = Math.max(0, kinds.length - (own < 0 ? 0 : 1) - (ofType < 0 ? 0 : 1) + 2 - config.maxKinds);
  let k = 0;
  let w = 0;
  for (let i = 0, at = 0; i < kinds.length; i++) {
    const end = at + 1 + (logs[at] as number);
    if (at !== own && at !== ofType) {
      if (drop > 0) drop--;
      else {
        kinds[k++] = kinds[i] as string;
        for (let j = at; j < end; j++) logs[w++] = logs[j] as number;
      }
    }
    at = end;
  }
  // Written over, then shortened: a list never shrinks to nothing on the way, which would give up its
  // storage.
  const toKinds = withRoom(kinds, Math.max(kinds.length, k + 2), config.maxKinds);
  toKinds[k++] = typeKey;
  toKinds[k++] = key;
  toKinds.length = k;
  // The amounts grow as V8 grows arrays: their length goes up and down with the kinds.
  for (let j = 0; j < typeLength + ownLength; j++) logs[w++] = moving[j] as number;
  logs.length = w;
  state.kinds = toKinds;
}

// Writes the run at `at` (none when -1) with x appended, as its new length and its newest `history`
// amounts, to moving[to...]; returns how many numbers that is.
function moveRun(logs: readonly number[], at: number, x: number, history: number, to: number): number {
  const n = at < 0 ? 0 : (logs[at] as number);
  const kept = Math.min(n, history - 1);
  moving[to] = kept + 1;
  for (let j = 0; j < kept; j++) moving[to + 1 + j] = logs[at + 1 + n - kept + j] as number;
  moving[to + 1 + kept] = x;
  return kept + 2;
}
