// overdraft (CRITICAL, a customer notification to bank_notifications, not a fraud alert): the balance
// goes below the account's own agreed overdraft limit (-overdraft_limit from the message, or the last one
// an event of the account carried; -limitCents for accounts that never said, below zero by default). Like
// low_balance it fires on the crossing, once per dip, not on every event while beyond the limit (an
// account first seen already beyond it did not cross, unless the message shows the debit that took it
// there). An overdraft within the agreed limit is the customer's arrangement with the bank and says
// nothing.
import type { AlertDetails } from '../alert.ts';
import { formatCents } from './explain.ts';
import { balanceAfter, balanceBeforeCrossing, initialAccountLimitState, limitFor, withBalanceAndLimit } from './balance.ts';
import { defineRule } from './rule.ts';

export const overdraft = defineRule({
  name: 'overdraft',
  severity: 'CRITICAL',
  notification: true,
  summary: 'notification on going beyond the agreed overdraft',
  description:
    "notification: the balance drops below minus the account's own agreed overdraft limit (message field `overdraft_limit`, else `limitCents`); once per dip",
  settings: {
    limitCents: { kind: 'integer', default: 0, min: 0, help: 'overdraft limit of accounts whose messages do not carry their own' },
  },
  initialState: initialAccountLimitState,
  evaluate(tx, state, config) {
    const previous = state.lastBalanceCents;
    const after = balanceAfter(tx, previous);
    const limit = limitFor(tx.overdraftLimitCents, state, config.limitCents);
    const next = withBalanceAndLimit(state, after, limit.own ? limit.cents : null);
    const floor = -limit.cents;
    const before = balanceBeforeCrossing(tx, previous);
    if (after === null || after >= floor || before === null || before < floor) return { alert: null, state: next };

    const alert: AlertDetails = {
      observed: { balance_cents: after, previous_balance_cents: before },
      threshold: { overdraft_limit_cents: limit.cents },
      explanation:
        `${tx.type} of ${formatCents(tx.amountCents)} left the account overdrawn at ${formatCents(after)} (was ${formatCents(before)})` +
        (limit.cents > 0 ? `, beyond the ${limit.own ? "account's agreed" : 'tolerated'} ${formatCents(limit.cents)}` : ''),
    };
    return { alert, state: next };
  },
});
