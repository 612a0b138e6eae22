// velocity (MEDIUM): `count` withdrawals within `windowSec` seconds of event time on one account, the
// shape of card testing and of an account being emptied in small bites. After firing, the window starts
// empty again, so a burst of 3 x count withdrawals gives 3 alerts rather than 2 x count + 1.
// State is at most count - 1 timestamps per account.
import type { AlertDetails } from '../alert.ts';
import { pushBounded } from './robust.ts';
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
    let recent = next.withdrawalTimesMs;
    // The window ends at the account's newest event time, not necessarily this event's: a late event
    // (older timestamp than one already seen) counts only if it falls inside that window, and never drags
    // older withdrawals back in.
    // Index loops, no closure: this runs for every withdrawal, and an iterator or a closure per record
    // was garbage the processing thread then collected.
    let newest = now;
    for (let i = 0; i < recent.length; i++) newest = Math.max(newest, recent[i] as number);
    const from = newest - windowMs;
    let kept = 0;
    for (let i = 0; i < recent.length; i++) if ((recent[i] as number) > from) recent[kept++] = recent[i] as number;
    // The newest goes where the dropped ones were (shortening keeps the array's storage; emptying it and
    // pushing would allocate new storage for every isolated withdrawal).
    if (now > from) {
      if (kept < recent.length) {
        recent[kept++] = now;
        recent.length = kept;
      } else {
        next.withdrawalTimesMs = pushBounded(recent, now, config.count);
        recent = next.withdrawalTimesMs;
      }
    } else recent.length = kept;
    if (recent.length < config.count) return { alert: null, state: next };

    let oldest = newest;
    for (let i = 0; i < recent.length; i++) oldest = Math.min(oldest, recent[i] as number);
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
