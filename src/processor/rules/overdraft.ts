// overdraft (CRITICAL): the balance goes below -limitCents (below zero with the default limit 0). Like
// low_balance it fires on the crossing, once per dip, not on every event while overdrawn.
import type { AlertDetails } from '../alert.ts';
import { formatCents } from './explain.ts';
import { balanceAfter, initialBalanceState, type BalanceState } from './balance.ts';
import { defineRule } from './rule.ts';

export const overdraft = defineRule({
  name: 'overdraft',
  severity: 'CRITICAL',
  summary: 'CRITICAL alert on going overdrawn',
  description: 'the balance drops below `-limitCents` (below zero by default); once per dip',
  settings: {
    limitCents: { kind: 'integer', default: 0, min: 0, help: 'tolerated overdraft before alerting' },
  },
  initialState: initialBalanceState,
  evaluate(tx, state, config) {
    const previous = state.lastBalanceCents;
    const after = balanceAfter(tx, previous);
    const next: BalanceState = { lastBalanceCents: after };
    const floor = -config.limitCents;
    if (after === null || after >= floor || (previous !== null && previous < floor)) return { alert: null, state: next };

    const alert: AlertDetails = {
      observed: previous === null ? { balance_cents: after } : { balance_cents: after, previous_balance_cents: previous },
      threshold: { overdraft_limit_cents: config.limitCents },
      explanation:
        `${tx.type} of ${formatCents(tx.amountCents)} left the account overdrawn at ${formatCents(after)}` +
        (previous === null ? '' : ` (was ${formatCents(previous)})`) +
        (config.limitCents > 0 ? `, beyond the tolerated ${formatCents(config.limitCents)}` : ''),
    };
    return { alert, state: next };
  },
});
