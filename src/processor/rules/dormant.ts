// dormant (LOW): an approved withdrawal of at least `minCents` from an account that had no event for
// `dormantDays`: reactivated dormant accounts are a favourite of takeovers and mule herders. It can only
// see what the processor remembers: accountIdleTtlSec must exceed dormantDays (the defaults do).
import type { AlertDetails } from '../alert.ts';
import { formatCents } from './explain.ts';
import { DAY_MS } from './robust.ts';
import { defineRule, writable } from './rule.ts';

export interface DormantState {
  lastEventMs: number | null;
}

function initialDormantState(): DormantState {
  return { lastEventMs: null };
}

export const dormant = defineRule({
  name: 'dormant',
  severity: 'LOW',
  weight: 0.15,
  summary: 'withdrawal from a dormant account',
  description: 'an approved withdrawal ≥ `minCents` after `dormantDays` without any event on the account (needs `accountIdleTtlSec` longer than that)',
  settings: {
    dormantDays: { kind: 'integer', default: 30, min: 1, max: 3650, help: 'days without events that make an account dormant' },
    minCents: { kind: 'integer', default: 100_00, min: 0, help: 'smaller withdrawals never alert' },
  },
  initialState: initialDormantState,
  evaluate(tx, state, config) {
    const last = state.lastEventMs;
    const newest = last === null ? tx.timestampMs : Math.max(last, tx.timestampMs);
    let next = state;
    if (newest !== last) {
      next = writable(state, initialDormantState);
      next.lastEventMs = newest;
    }
    if (last === null || tx.type !== 'withdraw' || tx.status === 'declined' || tx.amountCents < config.minCents) return { alert: null, state: next };
    const idleMs = tx.timestampMs - last;
    if (idleMs < config.dormantDays * DAY_MS) return { alert: null, state: next };
    const alert: AlertDetails = {
      observed: { amount_cents: tx.amountCents, idle_days: Math.floor(idleMs / DAY_MS) },
      threshold: { dormant_days: config.dormantDays, min_cents: config.minCents },
      explanation: `withdrawal of ${formatCents(tx.amountCents)} after ${Math.floor(idleMs / DAY_MS)} days without activity (dormant after ${config.dormantDays})`,
    };
    return { alert, state: next };
  },
});
