// card_testing (HIGH): a stolen card number is tried with small charges at online shops the customer has
// never used, minutes apart, then spent on goods that resell, hours later. A probe is a card purchase
// (approved or declined: a refused probe is still a probe) of at most `maxCents` at a merchant this
// account has not bought from before, in a category that can be bought without the card present (not
// groceries, restaurants, fuel, transport, health or entertainment: on simulator v2 three small new shops
// within half an hour were nearly always an ordinary afternoon out, 137 false cases against 32 true).
// It fires on the `count`th probe within `windowSec`, or, once two probes came within `windowSec`, on the
// next purchase of at least `cashOutCents` at a new merchant within `cashOutSec`, not in person (the
// cash-out after a short test run: most runs have only two probes; after a longer one too). Then it
// starts afresh. Accounts that know fewer than `minKnown` merchants are not judged: everything is new to
// them.
// State: the last 48 merchants, at most count - 1 probe times and the time of the latest run of two or
// more probes per account.
import type { AlertDetails } from '../alert.ts';
import { formatCents } from './explain.ts';
import { counterpartyKind, pushBounded, retain } from './robust.ts';
import { defineRule, writable } from './rule.ts';

export interface CardTestingState {
  merchants: string[]; // most recent last
  newAtMs: number[]; // probes within the window, oldest first
  // The second probe of a run of two, until the cash-out window has passed. Optional: a snapshot written
  // before cash-outs were watched has none.
  runAtMs?: number | null;
}

const MAX_MERCHANTS = 48;
// Bought in person: a card thief testing a number online cannot use these.
const IN_PERSON: ReadonlySet<string> = new Set(['grocery', 'restaurant', 'fuel', 'transport', 'health', 'entertainment']);

function initialCardTestingState(): CardTestingState {
  return { merchants: [], newAtMs: [], runAtMs: null };
}

export const cardTesting = defineRule({
  name: 'card_testing',
  severity: 'HIGH',
  weight: 0.6,
  summary: 'card tried at new online merchants, then spent',
  description:
    'card purchases (approved or declined) of ≤ `maxCents` at merchants this account never bought from, in categories bought without the card present: `count` of them within `windowSec`, or two or more within `windowSec` and then a purchase ≥ `cashOutCents` at a new merchant, not in person, within `cashOutSec`; once it knows `minKnown` merchants; then it starts afresh',
  settings: {
    count: { kind: 'integer', default: 3, min: 2, max: 100, help: 'probes that make a test run' },
    windowSec: { kind: 'integer', default: 1800, min: 60, max: 86_400, help: 'time span of the run' },
    minKnown: { kind: 'integer', default: 5, min: 0, max: 48, help: 'merchants the account must know before it is judged' },
    maxCents: { kind: 'integer', default: 30_00, min: 0, help: 'larger purchases are not probes' },
    cashOutSec: { kind: 'integer', default: 6 * 3600, min: 0, max: 7 * 86_400, help: 'time after a run of two probes in which a cash-out purchase at a new merchant fires (0: never)' },
    cashOutCents: { kind: 'integer', default: 60_00, min: 0, help: 'smallest cash-out purchase' },
  },
  initialState: initialCardTestingState,
  evaluate(tx, state, config) {
    const merchant = tx.counterpartyId;
    if (tx.type !== 'withdraw' || tx.channel !== 'card' || merchant === null || counterpartyKind(merchant) !== 'MER') return { alert: null, state };
    if (state.merchants.includes(merchant)) return { alert: null, state };
    const known = state.merchants.length;
    const runAtMs = state.runAtMs !== undefined && state.runAtMs !== null && tx.timestampMs - state.runAtMs <= config.cashOutSec * 1000 ? state.runAtMs : null;
    const next = writable(state, initialCardTestingState);
    next.merchants = pushBounded(next.merchants, merchant, MAX_MERCHANTS);
    next.runAtMs = runAtMs;
    if (known < config.minKnown) return { alert: null, state: next };
    const category = tx.merchantCategory;
    const categoryText = category === null ? '' : ` (${category})`;
    const inPerson = category !== null && IN_PERSON.has(category);
    if (tx.amountCents > config.maxCents) {
      if (runAtMs === null || inPerson || tx.amountCents < config.cashOutCents) return { alert: null, state: next };
      const alert: AlertDetails = {
        observed: { amount_cents: tx.amountCents, merchant, minutes_since_run: Math.round((tx.timestampMs - runAtMs) / 60_000), ...(category === null ? {} : { category }) },
        threshold: { max_cents: config.maxCents, cash_out_sec: config.cashOutSec, cash_out_cents: config.cashOutCents },
        explanation: `${formatCents(tx.amountCents)} at ${merchant}${categoryText}, new to this card, ${Math.round((tx.timestampMs - runAtMs) / 60_000)} min after two small probes at other new merchants (cash-out within ${config.cashOutSec / 3600} h)`,
      };
      next.newAtMs.length = 0;
      next.runAtMs = null;
      return { alert, state: next };
    }
    if (inPerson) return { alert: null, state: next };
    const from = tx.timestampMs - config.windowSec * 1000;
    retain(next.newAtMs, (t) => t > from);
    const recent = (next.newAtMs = pushBounded(next.newAtMs, tx.timestampMs, config.count));
    if (recent.length < config.count) {
      if (recent.length >= 2) next.runAtMs = tx.timestampMs;
      return { alert: null, state: next };
    }
    const spanMs = tx.timestampMs - (recent[0] as number);
    const alert: AlertDetails = {
      observed: { new_merchants: recent.length, span_ms: spanMs, merchant, ...(category === null ? {} : { category }) },
      threshold: { count: config.count, window_sec: config.windowSec, max_cents: config.maxCents },
      explanation: `${recent.length} small card purchases at merchants never used before within ${Math.round(spanMs / 60_000)} min (threshold ${config.count} in ${config.windowSec / 60} min), the last at ${merchant}${categoryText}`,
    };
    recent.length = 0;
    // The run is complete and its cash-out may still come: a customer's own small purchase at a new shop
    // between the thief's probes can be the one this fired on, and then only the cash-out is the thief's.
    next.runAtMs = tx.timestampMs;
    return { alert, state: next };
  },
});
