// low_balance (HIGH, a customer notification to bank_notifications, not a fraud alert): the seed's
// alert. Fires on any event whose balance crosses from at or above the account's threshold to below it,
// and on a `low_balance` event the producer sends (the seed raised its HIGH alert on exactly those) unless
// the balance known before it was already below: a producer that reports the crossing sends its event
// right after the debit that made it, which has already been notified, and a customer gets one notice per
// crossing, not two. The threshold is the account's own (the message's low_balance_threshold, or the last one an event of
// the account carried), the processor's thresholdCents for accounts that never said. Only the crossing
// fires, not every event while low: an account sitting at 20.00 for a week is one notification, not one
// per coffee. An account first seen already below its threshold is not notified (a processor started on
// a running bank would otherwise notify every low account at once): it fires when the message shows the
// crossing itself, a debit whose balance plus amount was at or above the threshold.
import type { AlertDetails } from '../alert.ts';
import { formatCents } from './explain.ts';
import { balanceAfter, balanceBeforeCrossing, initialAccountLimitState, limitFor, withBalanceAndLimit } from './balance.ts';
import { defineRule } from './rule.ts';

export const lowBalance = defineRule({
  name: 'low_balance',
  severity: 'HIGH',
  notification: true,
  summary: 'seed HIGH alert, as a customer notification',
  description:
    "notification: a balance crossing from ≥ the account's own threshold (message field `low_balance_threshold`, else `thresholdCents`) to below it, or a `low_balance` event (the course project's HIGH alert) unless the balance was already known to be below — once per crossing",
  settings: {
    thresholdCents: { kind: 'integer', default: 100_00, min: 0, help: 'threshold of accounts whose messages do not carry their own' },
  },
  initialState: initialAccountLimitState,
  evaluate(tx, state, config) {
    const previous = state.lastBalanceCents;
    const after = balanceAfter(tx, previous);
    const limit = limitFor(tx.lowBalanceThresholdCents, state, config.thresholdCents);
    const next = withBalanceAndLimit(state, after, limit.own ? limit.cents : null);
    const threshold = { balance_cents: limit.cents };
    const whose = limit.own ? "the account's threshold" : 'the threshold';

    if (tx.type === 'low_balance') {
      if (previous !== null && previous < limit.cents) return { alert: null, state: next };
      const balance = after ?? tx.amountCents;
      const alert: AlertDetails = {
        observed: { balance_cents: balance },
        threshold,
        explanation: `producer reported a low_balance event with balance ${formatCents(balance)} (${limit.own ? "account's" : 'processor'} threshold ${formatCents(limit.cents)})`,
      };
      return { alert, state: next };
    }

    // A threshold that changed since the previous event is compared on both sides with the new one.
    const before = balanceBeforeCrossing(tx, previous);
    if (after !== null && after < limit.cents && before !== null && before >= limit.cents) {
      const alert: AlertDetails = {
        observed: { balance_cents: after, previous_balance_cents: before },
        threshold,
        explanation: `${tx.type} of ${formatCents(tx.amountCents)} took the balance from ${formatCents(before)} to ${formatCents(after)}, below ${whose} ${formatCents(limit.cents)}`,
      };
      return { alert, state: next };
    }
    return { alert: null, state: next };
  },
});
