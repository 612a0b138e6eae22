// card_testing (HIGH): a stolen card number is tried with small charges at online shops the customer has
// never used, minutes apart, then spent on goods that resell. Counts card purchases (approved or declined:
// a refused probe is still a probe) at merchants this account has not bought from before; `count` of them
// within `windowSec` fires, and the window starts empty again. Accounts that know fewer than `minKnown`
// merchants are not judged: everything is new to them. A customer who shops at a new place now and then
// never fires; three new shops within half an hour is rare in normal life.
// State: the last 48 merchants and at most count - 1 timestamps per account.
import type { AlertDetails } from '../alert.ts';
import { counterpartyKind, pushBounded } from './robust.ts';
import { defineRule } from './rule.ts';

export interface CardTestingState {
  merchants: string[]; // most recent last
  newAtMs: number[]; // purchases at new merchants within the window, oldest first
}

const MAX_MERCHANTS = 48;

export const cardTesting = defineRule({
  name: 'card_testing',
  severity: 'HIGH',
  weight: 0.6,
  summary: 'card used at several new merchants in a short time',
  description:
    'card purchases (approved or declined) at `count` merchants this account never bought from, within `windowSec`, once it knows `minKnown` merchants; the window restarts after firing',
  settings: {
    count: { kind: 'integer', default: 3, min: 2, max: 100, help: 'purchases at new merchants that make a test run' },
    windowSec: { kind: 'integer', default: 1800, min: 60, max: 86_400, help: 'time span of the run' },
    minKnown: { kind: 'integer', default: 5, min: 0, max: 48, help: 'merchants the account must know before it is judged' },
    maxCents: { kind: 'integer', default: 30_00, min: 0, help: 'larger purchases are not probes' },
  },
  initialState: (): CardTestingState => ({ merchants: [], newAtMs: [] }),
  evaluate(tx, state, config) {
    const merchant = tx.counterpartyId;
    if (tx.type !== 'withdraw' || tx.channel !== 'card' || merchant === null || counterpartyKind(merchant) !== 'MER') return { alert: null, state };
    if (state.merchants.includes(merchant)) return { alert: null, state };
    const merchants = pushBounded(state.merchants, merchant, MAX_MERCHANTS);
    if (state.merchants.length < config.minKnown || tx.amountCents > config.maxCents) return { alert: null, state: { merchants, newAtMs: state.newAtMs } };
    const from = tx.timestampMs - config.windowSec * 1000;
    const recent = state.newAtMs.filter((t) => t > from);
    recent.push(tx.timestampMs);
    if (recent.length < config.count) return { alert: null, state: { merchants, newAtMs: recent } };
    const spanMs = tx.timestampMs - (recent[0] as number);
    const alert: AlertDetails = {
      observed: { new_merchants: recent.length, span_ms: spanMs, merchant, ...(tx.merchantCategory === null ? {} : { category: tx.merchantCategory }) },
      threshold: { count: config.count, window_sec: config.windowSec },
      explanation: `${recent.length} card purchases at merchants never used before within ${Math.round(spanMs / 60_000)} min (threshold ${config.count} in ${config.windowSec / 60} min), the last at ${merchant}${tx.merchantCategory === null ? '' : ` (${tx.merchantCategory})`}`,
    };
    return { alert, state: { merchants, newAtMs: [] } };
  },
});
