// low_balance (HIGH): the seed's alert. Fires on every `low_balance` event the producer sends (the seed
// raised its HIGH alert on exactly those), and on any other event whose balance crosses from at or above
// the threshold to below it. Only the crossing fires, not every event while low: an account sitting at
// 20.00 for a week is one alert, not one per coffee. An account whose first known balance is already
// below the threshold counts as crossing, since nothing earlier said it was fine.
import { formatCents, makeAlert } from '../alert.ts';
import type { LowBalanceConfig } from '../config.ts';
import type { NormalizedTx } from '../validate.ts';
import { balanceAfter, type BalanceState } from './balance.ts';
import type { RuleOutcome } from './rule.ts';

export function lowBalance(tx: NormalizedTx, state: BalanceState, config: LowBalanceConfig): RuleOutcome<BalanceState> {
  const previous = state.lastBalanceCents;
  const after = balanceAfter(tx, previous);
  const next: BalanceState = { lastBalanceCents: after };
  const threshold = { balance_cents: config.thresholdCents };

  if (tx.type === 'low_balance') {
    const balance = after ?? tx.amountCents;
    const alert = makeAlert(tx, 'low_balance', 'HIGH', {
      observed: { balance_cents: balance },
      threshold,
      explanation: `producer reported a low_balance event with balance ${formatCents(balance)} (processor threshold ${formatCents(config.thresholdCents)})`,
    });
    return { alert, state: next };
  }

  if (after !== null && after < config.thresholdCents && (previous === null || previous >= config.thresholdCents)) {
    const alert = makeAlert(tx, 'low_balance', 'HIGH', {
      observed: previous === null ? { balance_cents: after } : { balance_cents: after, previous_balance_cents: previous },
      threshold,
      explanation:
        previous === null
          ? `first known balance ${formatCents(after)} is below the threshold ${formatCents(config.thresholdCents)}`
          : `${tx.type} of ${formatCents(tx.amountCents)} took the balance from ${formatCents(previous)} to ${formatCents(after)}, below the threshold ${formatCents(config.thresholdCents)}`,
    });
    return { alert, state: next };
  }
  return { alert: null, state: next };
}
