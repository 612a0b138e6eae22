// structuring (HIGH): cash paid in in pieces that each stay under the reporting threshold
// (`thresholdCents`, 10,000.00 as the US currency transaction report) but together pass it: `count` cash
// deposits (branch or ATM, no counterparty) of at least `lowerRatio` of it within `windowDays`, adding up
// to the threshold or more. Launderers do not pay in just under the threshold every time (that is its own
// giveaway); the sum is what they hide. The window starts empty after firing. State: the counted deposits
// of the window.
import type { AlertDetails } from '../alert.ts';
import { formatCents } from './explain.ts';
import { DAY_MS } from './robust.ts';
import { defineRule, writable } from './rule.ts';

export interface StructuringState {
  nearMs: number[]; // event times of recent counted cash deposits, oldest first
  nearCents: number[]; // their amounts
}

function initialStructuringState(): StructuringState {
  return { nearMs: [], nearCents: [] };
}

export const structuring = defineRule({
  name: 'structuring',
  severity: 'HIGH',
  weight: 0.8,
  summary: 'cash paid in in pieces under the reporting threshold',
  description: '`count` cash deposits (branch or ATM, no counterparty) each in [`lowerRatio` x `thresholdCents`, `thresholdCents`) within `windowDays`, adding up to ≥ `thresholdCents`; the window restarts after firing',
  settings: {
    thresholdCents: { kind: 'integer', default: 10_000_00, min: 1, help: 'the reporting threshold' },
    lowerRatio: { kind: 'number', default: 0.1, min: 0.01, max: 1, help: 'share of the threshold from which a cash deposit counts' },
    count: { kind: 'integer', default: 3, min: 2, max: 100, help: 'such deposits that make a pattern' },
    windowDays: { kind: 'integer', default: 14, min: 1, max: 365, help: 'length of the window' },
  },
  initialState: initialStructuringState,
  evaluate(tx, state, config) {
    if (tx.type !== 'deposit' || tx.status === 'declined' || tx.counterpartyId !== null || (tx.channel !== 'branch' && tx.channel !== 'atm')) return { alert: null, state };
    if (tx.amountCents >= config.thresholdCents || tx.amountCents < config.lowerRatio * config.thresholdCents) return { alert: null, state };
    const from = tx.timestampMs - config.windowDays * DAY_MS;
    const next = writable(state, initialStructuringState);
    const { nearMs, nearCents } = next;
    let total = tx.amountCents;
    let kept = 0;
    for (let i = 0; i < nearMs.length; i++) {
      const t = nearMs[i] as number;
      if (t <= from) continue;
      const cents = nearCents[i] ?? 0;
      nearMs[kept] = t;
      nearCents[kept++] = cents;
      total += cents;
    }
    nearMs.length = kept;
    nearCents.length = kept;
    nearMs.push(tx.timestampMs);
    nearCents.push(tx.amountCents);
    if (nearMs.length < config.count || total < config.thresholdCents) return { alert: null, state: next };
    const spanMs = tx.timestampMs - (nearMs[0] as number);
    const alert: AlertDetails = {
      observed: { deposits: nearMs.length, amount_cents: tx.amountCents, total_cents: total, span_ms: spanMs },
      threshold: { threshold_cents: config.thresholdCents, lower_ratio: config.lowerRatio, count: config.count, window_days: config.windowDays },
      explanation: `${nearMs.length} cash deposits under ${formatCents(config.thresholdCents)} within ${(spanMs / 3_600_000).toFixed(1)} h add up to ${formatCents(total)}, this one ${formatCents(tx.amountCents)} (threshold ${config.count} within ${config.windowDays} days)`,
    };
    nearMs.length = 0;
    nearCents.length = 0;
    return { alert, state: next };
  },
});
