// structuring (MEDIUM): repeated deposits just under the reporting threshold (`thresholdCents`, 10,000.00
// as the US currency transaction report): `count` deposits between `lowerRatio` of it and it, within
// `windowDays`. One such deposit is ordinary, several in a week is how reporting is avoided. The window
// starts empty after firing. State: fewer than `count` timestamps per account.
import type { AlertDetails } from '../alert.ts';
import { formatCents } from './explain.ts';
import { DAY_MS } from './robust.ts';
import { defineRule } from './rule.ts';

export interface StructuringState {
  nearMs: number[]; // event times of recent just-under-threshold deposits, oldest first
}

export const structuring = defineRule({
  name: 'structuring',
  severity: 'MEDIUM',
  weight: 0.6,
  summary: 'repeated deposits just under the reporting threshold',
  description: '`count` deposits in [`lowerRatio` x `thresholdCents`, `thresholdCents`) within `windowDays`; the window restarts after firing',
  settings: {
    thresholdCents: { kind: 'integer', default: 10_000_00, min: 1, help: 'the reporting threshold' },
    lowerRatio: { kind: 'number', default: 0.8, min: 0.1, max: 1, help: 'share of the threshold from which a deposit is just under it' },
    count: { kind: 'integer', default: 2, min: 2, max: 100, help: 'such deposits that make a pattern' },
    windowDays: { kind: 'integer', default: 7, min: 1, max: 365, help: 'length of the window' },
  },
  initialState: (): StructuringState => ({ nearMs: [] }),
  evaluate(tx, state, config) {
    if (tx.type !== 'deposit' || tx.status === 'declined') return { alert: null, state };
    if (tx.amountCents >= config.thresholdCents || tx.amountCents < config.lowerRatio * config.thresholdCents) return { alert: null, state };
    const from = tx.timestampMs - config.windowDays * DAY_MS;
    const nearMs = state.nearMs.filter((t) => t > from);
    nearMs.push(tx.timestampMs);
    if (nearMs.length < config.count) return { alert: null, state: { nearMs } };
    const alert: AlertDetails = {
      observed: { deposits: nearMs.length, amount_cents: tx.amountCents, span_ms: tx.timestampMs - (nearMs[0] as number) },
      threshold: { threshold_cents: config.thresholdCents, lower_ratio: config.lowerRatio, count: config.count, window_days: config.windowDays },
      explanation: `${nearMs.length} deposits just under ${formatCents(config.thresholdCents)} within ${((tx.timestampMs - (nearMs[0] as number)) / 3_600_000).toFixed(1)} h, this one ${formatCents(tx.amountCents)} (threshold ${config.count} within ${config.windowDays} days)`,
    };
    return { alert, state: { nearMs: [] } };
  },
});
