// velocity (MEDIUM): `count` withdrawals within `windowSec` seconds of event time on one account, the
// shape of card testing and of an account being emptied in small bites. After firing, the window starts
// empty again, so a burst of 3 x count withdrawals gives 3 alerts rather than 2 x count + 1.
// State is at most count - 1 timestamps per account.
import type { AlertDetails } from '../alert.ts';
import { retain } from './robust.ts';
import { defineRule, writable } from './rule.ts';

export interface VelocityState {
  withdrawalTimesMs: number[];
}

function initialVelocityState(): VelocityState {
  return { withdrawalTimesMs: [] };
}

export const velocity = defineRule({
  name: 'velocity',
  severity: 'MEDIUM',
  weight: 0.55,
  summary: 'burst of withdrawals',
  description: '`count` withdrawals within `windowSec` seconds of event time on one account (card testing, draining in small bites); the window restarts after firing',
  settings: {
    count: { kind: 'integer', default: 5, min: 2, max: 10_000, help: 'withdrawals that make a burst' },
    windowSec: { kind: 'integer', default: 60, min: 1, max: 86_400, help: 'burst time span' },
  },
  initialState: initialVelocityState,
  evaluate(tx, state, config) {
    if (tx.type !== 'withdraw') return { alert: null, state };
    const windowMs = config.windowSec * 1000;
    const now = tx.timestampMs;
    const next = writable(state, initialVelocityState);
    const recent = next.withdrawalTimesMs;
    // The window ends at the account's newest event time, not necessarily this event's: a late event
    // (older timestamp than one already seen) counts only if it falls inside that window, and never drags
    // older withdrawals back in.
    let newest = now;
    for (const t of recent) newest = Math.max(newest, t);
    const from = newest - windowMs;
    retain(recent, (t) => t > from);
    if (now > from) recent.push(now);
    if (recent.length < config.count) return { alert: null, state: next };

    let oldest = newest;
    for (const t of recent) oldest = Math.min(oldest, t);
    const span = newest - oldest;
    const alert: AlertDetails = {
      observed: { withdrawals: recent.length, span_ms: span },
      threshold: { count: config.count, window_sec: config.windowSec },
      explanation: `${recent.length} withdrawals within ${(span / 1000).toFixed(1)}s (threshold ${config.count} in ${config.windowSec}s)`,
    };
    recent.length = 0;
    return { alert, state: next };
  },
});
