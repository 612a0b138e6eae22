// outflow (LOW): the approved withdrawals of the last `windowSec` together take at least `ratio` of the
// balance the account had before the first of them, and at least `minCents`. An account takeover empties
// an account in a few large steps minutes apart; drain sees only the last step, this rule the sum, and
// fires on the step that crosses the line, usually the second. The window starts empty after firing.
// State: at most `maxEvents` withdrawals per account.
import type { AlertDetails } from '../alert.ts';
import { formatCents } from './explain.ts';
import { balanceAfter, balanceBefore } from './balance.ts';
import { pushBounded, retain } from './robust.ts';
import { defineRule, writable } from './rule.ts';

export interface OutflowState {
  lastBalanceCents: number | null;
  // Withdrawals inside the window, oldest first: event time, amount, balance before it (null: unknown).
  recent: Array<[atMs: number, cents: number, beforeCents: number | null]>;
}

const MAX_EVENTS = 32;

function initialOutflowState(): OutflowState {
  return { lastBalanceCents: null, recent: [] };
}

export const outflow = defineRule({
  name: 'outflow',
  severity: 'LOW',
  weight: 0.15,
  summary: 'cumulative outflow over a window empties the account',
  description:
    'approved withdrawals within `windowSec` add up to ≥ `ratio` of the balance before the first of them and ≥ `minCents`; fires on the withdrawal that crosses, then the window starts empty',
  settings: {
    windowSec: { kind: 'integer', default: 3600, min: 60, max: 7 * 86_400, help: 'length of the window' },
    ratio: { kind: 'number', default: 0.7, min: 0.05, max: 10, help: 'share of the starting balance that triggers' },
    minCents: { kind: 'integer', default: 500_00, min: 0, help: 'smaller sums never alert' },
  },
  initialState: initialOutflowState,
  evaluate(tx, state, config) {
    const previous = state.lastBalanceCents;
    const after = balanceAfter(tx, previous);
    const withdrawal = tx.type === 'withdraw' && tx.status !== 'declined';
    if (!withdrawal && after === previous) return { alert: null, state };
    const next = writable(state, initialOutflowState);
    next.lastBalanceCents = after;
    if (!withdrawal) return { alert: null, state: next };
    const from = tx.timestampMs - config.windowSec * 1000;
    retain(next.recent, (e) => e[0] > from);
    const recent = (next.recent = pushBounded(next.recent, [tx.timestampMs, tx.amountCents, balanceBefore(tx, previous)], MAX_EVENTS));
    const first = recent[0] as [number, number, number | null];
    const start = first[2];
    let total = 0;
    for (let i = 0; i < recent.length; i++) total += (recent[i] as [number, number, number | null])[1];
    if (start === null || start <= 0 || total < config.minCents || total < config.ratio * start) {
      return { alert: null, state: next };
    }
    const alert: AlertDetails = {
      observed: { outflow_cents: total, withdrawals: recent.length, balance_before_cents: start, span_ms: tx.timestampMs - first[0] },
      threshold: { ratio: config.ratio, window_sec: config.windowSec, min_cents: config.minCents },
      explanation:
        `${recent.length} withdrawal(s) took ${formatCents(total)} within ${Math.round((tx.timestampMs - first[0]) / 60_000)} min, ` +
        `${((total / start) * 100).toFixed(0)}% of the ${formatCents(start)} balance before them (threshold ${(config.ratio * 100).toFixed(0)}% within ${config.windowSec / 60} min)`,
    };
    recent.length = 0;
    return { alert, state: next };
  },
});
