// low_balance (HIGH): the seed's alert. Fires on every `low_balance` event the producer sends (the seed
// raised its HIGH alert on exactly those), and on any other event whose balance crosses from at or above
// the threshold to below it. Only the crossing fires, not every event while low: an account sitting at
// 20.00 for a week is one alert, not one per coffee. An account whose first known balance is already
// below the threshold counts as crossing, since nothing earlier said it was fine.
import type { AlertDetails } from '../alert.ts';
import { formatCents } from './explain.ts';
import { balanceAfter, initialBalanceState, type BalanceState } from './balance.ts';
import { defineRule } from './rule.ts';

export const lowBalance = defineRule({
  name: 'low_balance',
  severity: 'HIGH',
  summary: 'seed HIGH alert',
  description:
    'any `low_balance` event (the course project\'s HIGH alert), or a balance crossing from ≥ `thresholdCents` to below it — once per crossing, not on every event while low',
  settings: {
    thresholdCents: { kind: 'integer', default: 100_00, min: 0, help: 'alert when the balance falls below this' },
  },
  initialState: initialBalanceState,
  evaluate(tx, state, config) {
    const previous = state.lastBalanceCents;
    const after = balanceAfter(tx, previous);
    const next: BalanceState = { lastBalanceCents: after };
    const threshold = { balance_cents: config.thresholdCents };

    if (tx.type === 'low_balance') {
      const balance = after ?? tx.amountCents;
      const alert: AlertDetails = {
        observed: { balance_cents: balance },
        threshold,
        explanation: `producer reported a low_balance event with balance ${formatCents(balance)} (processor threshold ${formatCents(config.thresholdCents)})`,
      };
      return { alert, state: next };
    }

    if (after !== null && after < config.thresholdCents && (previous === null || previous >= config.thresholdCents)) {
      const alert: AlertDetails = {
        observed: previous === null ? { balance_cents: after } : { balance_cents: after, previous_balance_cents: previous },
        threshold,
        explanation:
          previous === null
            ? `first known balance ${formatCents(after)} is below the threshold ${formatCents(config.thresholdCents)}`
            : `${tx.type} of ${formatCents(tx.amountCents)} took the balance from ${formatCents(previous)} to ${formatCents(after)}, below the threshold ${formatCents(config.thresholdCents)}`,
      };
      return { alert, state: next };
    }
    return { alert: null, state: next };
  },
});
