// overdraft (CRITICAL): the balance goes below -limitCents (below zero with the default limit 0). Like
// low_balance it fires on the crossing, once per dip, not on every event while overdrawn.
import { formatCents, makeAlert } from '../alert.ts';
import type { OverdraftConfig } from '../config.ts';
import type { NormalizedTx } from '../validate.ts';
import { balanceAfter, type BalanceState } from './balance.ts';
import type { RuleOutcome } from './rule.ts';

export function overdraft(tx: NormalizedTx, state: BalanceState, config: OverdraftConfig): RuleOutcome<BalanceState> {
  const previous = state.lastBalanceCents;
  const after = balanceAfter(tx, previous);
  const next: BalanceState = { lastBalanceCents: after };
  const floor = -config.limitCents;
  if (after === null || after >= floor || (previous !== null && previous < floor)) return { alert: null, state: next };

  const alert = makeAlert(tx, 'overdraft', 'CRITICAL', {
    observed: previous === null ? { balance_cents: after } : { balance_cents: after, previous_balance_cents: previous },
    threshold: { overdraft_limit_cents: config.limitCents },
    explanation:
      `${tx.type} of ${formatCents(tx.amountCents)} left the account overdrawn at ${formatCents(after)}` +
      (previous === null ? '' : ` (was ${formatCents(previous)})`) +
      (config.limitCents > 0 ? `, beyond the tolerated ${formatCents(config.limitCents)}` : ''),
  });
  return { alert, state: next };
}
