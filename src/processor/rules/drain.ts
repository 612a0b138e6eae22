// drain (LOW): a single withdrawal takes more than `ratio` (default 90%) of the balance it started from,
// the signature of an emptied account. Small balances are ignored (minBalanceCents): withdrawing all of
// 12.00 is ordinary. The starting balance comes from the message itself when it has one, else from the
// last known balance. A declined withdrawal took nothing: on simulator v2, 214 of 305 drain alerts (10x
// stream) were refusals of more than the balance or the limit, 3 of them fraud.
import type { AlertDetails } from '../alert.ts';
import { formatCents } from './explain.ts';
import { balanceAfter, balanceBefore, initialBalanceState, withBalance } from './balance.ts';
import { defineRule } from './rule.ts';

export const drain = defineRule({
  name: 'drain',
  severity: 'LOW',
  weight: 0.1,
  summary: 'one withdrawal empties the account',
  description: 'one approved withdrawal takes more than `ratio` of the balance it started from; accounts under `minBalanceCents` are ignored',
  settings: {
    ratio: { kind: 'number', default: 0.9, min: 0.01, max: 1, help: 'share of the prior balance that triggers' },
    minBalanceCents: { kind: 'integer', default: 100_00, min: 0, help: 'ignore accounts holding less than this' },
  },
  initialState: initialBalanceState,
  evaluate(tx, state, config) {
    const previous = state.lastBalanceCents;
    const next = withBalance(state, balanceAfter(tx, previous));
    if (tx.type !== 'withdraw' || tx.status === 'declined') return { alert: null, state: next };

    const before = balanceBefore(tx, previous);
    if (before === null || before < config.minBalanceCents || before <= 0 || tx.amountCents <= config.ratio * before) {
      return { alert: null, state: next };
    }
    const ratio = tx.amountCents / before;
    const alert: AlertDetails = {
      observed: { amount_cents: tx.amountCents, balance_before_cents: before, ratio: Math.round(ratio * 10_000) / 10_000 },
      threshold: { ratio: config.ratio, min_balance_cents: config.minBalanceCents },
      explanation: `withdrawal of ${formatCents(tx.amountCents)} is ${(ratio * 100).toFixed(1)}% of the ${formatCents(before)} balance before it (threshold ${(config.ratio * 100).toFixed(1)}%)`,
    };
    return { alert, state: next };
  },
});
