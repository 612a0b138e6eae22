// new_payee (LOW): a transfer out to a counterparty this account never paid before, of at least
// `minCents` and `multiple` times the account's median outgoing amount: the shape of an authorised push
// payment scam and of a takeover paying out to the fraudster. Needs `counterparty_id` (message v2);
// merchants and ATMs (MER-, ATM-) are not payees. Accounts with fewer than `minHistory` outgoing
// payments are not judged: every payee of a new account is new. State: the last 32 payees and 16
// outgoing amounts.
import type { AlertDetails } from '../alert.ts';
import { balanceBefore } from './balance.ts';
import { formatCents } from './explain.ts';
import { counterpartyKind, logAmount, median, pushBounded } from './robust.ts';
import { defineRule, writable } from './rule.ts';

export interface NewPayeeState {
  payees: string[]; // most recent last
  logs: number[]; // ln(cents) of outgoing amounts, oldest first
}

const MAX_PAYEES = 32;
const MAX_AMOUNTS = 16;
const NOT_PAYEES: ReadonlySet<string> = new Set(['MER', 'ATM']);

function initialNewPayeeState(): NewPayeeState {
  return { payees: [], logs: [] };
}

export const newPayee = defineRule({
  name: 'new_payee',
  severity: 'LOW',
  weight: 0.2,
  summary: 'large transfer to a payee never paid before',
  description:
    "an approved withdrawal to a `counterparty_id` (not a merchant or ATM) this account has not paid before, ≥ `minCents`, ≥ `multiple` x the account's median outgoing amount and ≥ `balanceShare` of the balance before it, once it has `minHistory` outgoing payments",
  settings: {
    minCents: { kind: 'integer', default: 500_00, min: 0, help: 'smaller transfers never alert' },
    multiple: { kind: 'number', default: 3, min: 0, max: 1000, help: 'times the median outgoing amount' },
    minHistory: { kind: 'integer', default: 5, min: 0, max: 16, help: 'outgoing payments needed before judging' },
    balanceShare: { kind: 'number', default: 0.4, min: 0, max: 1, help: 'share of the balance before it the payment must take (when the message has a balance)' },
  },
  initialState: initialNewPayeeState,
  evaluate(tx, state, config) {
    if (tx.type !== 'withdraw' || tx.status === 'declined') return { alert: null, state };
    const payee = tx.counterpartyId;
    const isPayee = payee !== null && !NOT_PAYEES.has(counterpartyKind(payee));
    let alert: AlertDetails | null = null;
    if (isPayee && !state.payees.includes(payee) && state.logs.length >= config.minHistory && tx.amountCents >= config.minCents) {
      const typical = state.logs.length === 0 ? 0 : Math.round(Math.exp(median(state.logs)));
      // A fraudster (or a scammer's victim) moves a good part of what is there; a first payment to a friend
      // rarely does. Unknown balances are not held against the payment.
      const before = balanceBefore(tx, null); // what the message shows, not the last known balance
      if (tx.amountCents >= config.multiple * typical && (before === null || before <= 0 || tx.amountCents >= config.balanceShare * before)) {
        alert = {
          observed: { amount_cents: tx.amountCents, payee, median_outgoing_cents: typical, known_payees: state.payees.length, ...(before === null ? {} : { balance_before_cents: before }) },
          threshold: { min_cents: config.minCents, multiple: config.multiple, balance_share: config.balanceShare },
          explanation: `first payment to ${payee}: ${formatCents(tx.amountCents)}, ${typical > 0 ? `${(tx.amountCents / typical).toFixed(1)}x` : 'above'} the median outgoing ${formatCents(typical)} (threshold ${config.multiple}x, at least ${formatCents(config.minCents)})`,
        };
      }
    }
    // An alerted amount stays out of the baseline; the payee is known from now on either way.
    const newPayee = isPayee && !state.payees.includes(payee);
    const next = writable(state, initialNewPayeeState);
    if (alert === null) next.logs = pushBounded(next.logs, logAmount(tx.amountCents), MAX_AMOUNTS);
    if (newPayee) next.payees = pushBounded(next.payees, payee, MAX_PAYEES);
    return { alert, state: next };
  },
});
