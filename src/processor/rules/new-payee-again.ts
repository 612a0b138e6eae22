// new_payee_again (HIGH): a payee first paid a large amount only days ago is paid a large amount again.
// A scammer's victim pays the "investment" or the "safe account" more than once, and a launderer sends
// the cash on in several transfers; ordinary life pays someone new a large sum once, or monthly (rent).
// Fires on an approved withdrawal of at least `minCents` to a counterparty (not a merchant, ATM or bill
// payee) whose first payment from this account, also of at least `minCents`, was within `days`; once per
// payee. The second payment must also take `balanceShare` of the balance before it: customers with large
// savings who pay a new friend or tradesman twice in a week are most of what it otherwise finds.
// State: the last 32 payees and the at most 8 recent large first payments.
import type { AlertDetails } from '../alert.ts';
import { balanceBefore } from './balance.ts';
import { formatCents } from './explain.ts';
import { DAY_MS, pushBounded, retain, transferPayee } from './robust.ts';
import { defineRule, writable } from './rule.ts';

export interface NewPayeeAgainState {
  payees: string[]; // most recent last
  recent: Array<[payee: string, firstMs: number]>; // large first payments, oldest first
}

const MAX_PAYEES = 32;
const MAX_RECENT = 8;

function initialNewPayeeAgainState(): NewPayeeAgainState {
  return { payees: [], recent: [] };
}

export const newPayeeAgain = defineRule({
  name: 'new_payee_again',
  severity: 'HIGH',
  weight: 0.7,
  summary: 'a new payee paid a large amount again within days',
  description:
    'an approved withdrawal ≥ `minCents` and ≥ `balanceShare` of the balance before it to a counterparty (not a merchant, ATM or bill payee) whose first payment from this account, also ≥ `minCents`, was within `days`; once per payee',
  settings: {
    minCents: { kind: 'integer', default: 500_00, min: 0, help: 'smaller payments are not counted' },
    days: { kind: 'integer', default: 7, min: 1, max: 90, help: 'how recent the first payment must be' },
    balanceShare: { kind: 'number', default: 0.05, min: 0, max: 1, help: 'share of the balance before it the payment must take (when the message has a balance)' },
  },
  initialState: initialNewPayeeAgainState,
  evaluate(tx, state, config) {
    const payee = transferPayee(tx);
    if (payee === null) return { alert: null, state };
    if (!state.payees.includes(payee)) {
      const next = writable(state, initialNewPayeeAgainState);
      if (tx.amountCents >= config.minCents) next.recent = pushBounded(next.recent, [payee, tx.timestampMs], MAX_RECENT);
      next.payees = pushBounded(next.payees, payee, MAX_PAYEES);
      return { alert: null, state: next };
    }
    if (tx.amountCents < config.minCents) return { alert: null, state };
    const from = tx.timestampMs - config.days * DAY_MS;
    const first = state.recent.find((r) => r[0] === payee && r[1] > from);
    if (first === undefined) return { alert: null, state };
    const before = balanceBefore(tx, null); // what the message shows, not the last known balance
    if (before !== null && before > 0 && tx.amountCents < config.balanceShare * before) return { alert: null, state };
    const alert: AlertDetails = {
      observed: { amount_cents: tx.amountCents, payee, days_since_first: Math.round(((tx.timestampMs - first[1]) / DAY_MS) * 10) / 10, ...(before === null ? {} : { balance_before_cents: before }) },
      threshold: { min_cents: config.minCents, days: config.days, balance_share: config.balanceShare },
      explanation: `${formatCents(tx.amountCents)} to ${payee} again, ${((tx.timestampMs - first[1]) / DAY_MS).toFixed(1)} days after the first large payment to it (threshold ${formatCents(config.minCents)} within ${config.days} days)`,
    };
    // Not the shared initial state: it knows this payee.
    retain(state.recent, (r) => r !== first);
    return { alert, state };
  },
});
