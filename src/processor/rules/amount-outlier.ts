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
import { counterpartyKind, DAY_MS, logAmount, MAD_TO_SIGMA, median, medianAbsoluteDeviation, pushBounded, retain } from './robust.ts';
import { defineRule, writable } from './rule.ts';

export interface AmountKind {
  key: string;
  logs: number[]; // ln(cents), oldest first
}

// The last payment to each of up to 8 payees, most recently paid last, as three lists of the same length:
// numbers in a list of their own are stored unboxed, where a [payee, ms, cents] tuple per payee cost
// about 90 bytes of heap.
export interface AmountOutlierState {
  kinds: AmountKind[]; // most recently used last
  payees: string[];
  paidMs: number[];
  paidCents: number[];
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
    let own: AmountKind | undefined;
    let ofType: AmountKind | undefined;
    const kinds = state.kinds;
    for (let i = 0; i < kinds.length; i++) {
      const k = kinds[i] as AmountKind;
      if (k.key === key) own = k;
      else if (k.key === typeKey) ofType = k;
    }
    const anonymous = tx.merchantCategory === null && tx.counterpartyId === null;
    const kind = (own !== undefined && own.logs.length >= config.minHistory) || !anonymous ? own : ofType;
    const x = logAmount(tx.amountCents);

    const payee = tx.counterpartyId;
    const previous = payee === null ? -1 : state.payees.indexOf(payee);
    const sinceMs = previous < 0 ? 0 : tx.timestampMs - (state.paidMs[previous] as number);
    const previousCents = previous < 0 ? 0 : (state.paidCents[previous] as number);
    const recurring =
      previous >= 0 && sinceMs >= 25 * DAY_MS && sinceMs <= 35 * DAY_MS && Math.abs(tx.amountCents - previousCents) <= config.recurringTolerance * previousCents;

    let alert: AlertDetails | null = null;
    if (kind !== undefined && kind.logs.length >= config.minHistory && !recurring && tx.amountCents >= config.minCents) {
      const center = median(kind.logs);
      const mad = medianAbsoluteDeviation(kind.logs, center);
      const scale = MAD_TO_SIGMA * Math.max(mad, config.madFloor);
      const z = (x - center) / scale;
      if (z >= config.zThreshold) {
        const typical = Math.round(Math.exp(center));
        alert = {
          observed: { amount_cents: tx.amountCents, median_cents: typical, robust_z: Math.round(z * 100) / 100, history: kind.logs.length, kind: kind.key },
          threshold: { robust_z: config.zThreshold, mad_floor: config.madFloor, min_cents: config.minCents },
          explanation:
            `${tx.type} of ${formatCents(tx.amountCents)} is ${(tx.amountCents / typical).toFixed(1)}x this account's median ${formatCents(typical)} ` +
            `for ${kind.key.replace('|*', ' (any channel)').replaceAll('|', ' / ')} (robust z ${z.toFixed(1)} over ${kind.logs.length} amounts, threshold ${config.zThreshold})`,
        };
      }
    }

    if (alert !== null && payee === null) return { alert, state };
    const next = writable(state, initialAmountOutlierState);
    // The alerted amount stays out of the baseline; a recurring payment is normal and joins it.
    if (alert === null) {
      // The two updated kinds go last (most recently used), the type's first; the least recently used
      // others go when there are more than maxKinds.
      const kinds = next.kinds;
      const typeKind = ofType ?? { key: typeKey, logs: [] };
      const ownKind = own ?? { key, logs: [] };
      retain(kinds, (k) => k !== own && k !== ofType);
      if (kinds.length + 2 > config.maxKinds) kinds.splice(0, kinds.length + 2 - config.maxKinds);
      pushBounded(typeKind.logs, x, config.history);
      pushBounded(ownKind.logs, x, config.history);
      kinds.push(typeKind, ownKind);
    }
    // The payee's last payment is remembered alert or not: the same bill a month later is recurring.
    if (payee !== null) {
      if (previous >= 0) {
        next.payees.splice(previous, 1);
        next.paidMs.splice(previous, 1);
        next.paidCents.splice(previous, 1);
      }
      pushBounded(next.payees, payee, MAX_PAYEES);
      pushBounded(next.paidMs, tx.timestampMs, MAX_PAYEES);
      pushBounded(next.paidCents, tx.amountCents, MAX_PAYEES);
    }
    return { alert, state: next };
  },
});

function initialAmountOutlierState(): AmountOutlierState {
  return { kinds: [], payees: [], paidMs: [], paidCents: [] };
}
