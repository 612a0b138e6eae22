// Balance bookkeeping shared by the balance-based rules (low_balance, overdraft, drain). The full schema
// carries the balance after every event; the seed's minimal message does not, so the balance is derived
// from the last known one where the transaction type says which way the money moved.
import type { NormalizedTx } from '../validate.ts';
import { writable } from './rule.ts';

export interface BalanceState {
  lastBalanceCents: number | null; // null: unknown (no anchor yet, or a transfer of unknown direction)
}

export function initialBalanceState(): BalanceState {
  return { lastBalanceCents: null };
}

// The notification rules' state: the balance, and the account's own threshold (low-balance threshold or
// overdraft limit) as the newest message that carried it said; null: never said, the setting applies.
export interface AccountLimitState extends BalanceState {
  accountLimitCents: number | null;
}

export function initialAccountLimitState(): AccountLimitState {
  return { lastBalanceCents: null, accountLimitCents: null };
}

// The state with this balance (changed in place; left as it is when nothing changes).
export function withBalance(state: BalanceState, balanceCents: number | null): BalanceState {
  if (state.lastBalanceCents === balanceCents) return state;
  const next = writable(state, initialBalanceState);
  next.lastBalanceCents = balanceCents;
  return next;
}

export function withBalanceAndLimit(state: AccountLimitState, balanceCents: number | null, limitCents: number | null): AccountLimitState {
  if (state.lastBalanceCents === balanceCents && state.accountLimitCents === limitCents) return state;
  const next = writable(state, initialAccountLimitState);
  next.lastBalanceCents = balanceCents;
  next.accountLimitCents = limitCents;
  return next;
}

// The limit that applies to tx: the message's own, else the account's last known one, else the setting.
export function limitFor(messageCents: number | null, state: AccountLimitState, settingCents: number): { cents: number; own: boolean } {
  const own = messageCents ?? state.accountLimitCents;
  return own === null ? { cents: settingCents, own: false } : { cents: own, own: true };
}

export function balanceAfter(tx: NormalizedTx, previousCents: number | null): number | null {
  if (tx.balanceCents !== null) return tx.balanceCents;
  // A declined transaction moved no money.
  if (tx.status === 'declined') return previousCents;
  // The seed defines amount as the balance for these two event types.
  if (tx.type === 'current_balance' || tx.type === 'low_balance') return tx.amountCents;
  if (previousCents === null) return null;
  if (tx.type === 'deposit') return previousCents + tx.amountCents;
  if (tx.type === 'withdraw') return previousCents - tx.amountCents;
  // checking_account / savings_account name the receiving account only; without a balance field we
  // cannot tell whether this account gained or lost the amount, so the balance becomes unknown.
  return null;
}

// Balance just before a withdrawal or deposit. When the message carries its own balance, it is the
// authority (the previous message may be missing or out of date); otherwise the last known balance.
export function balanceBefore(tx: NormalizedTx, previousCents: number | null): number | null {
  if (tx.status === 'declined') return tx.balanceCents ?? previousCents;
  if (tx.balanceCents !== null) {
    if (tx.type === 'withdraw') return tx.balanceCents + tx.amountCents;
    if (tx.type === 'deposit') return tx.balanceCents - tx.amountCents;
  }
  return previousCents;
}

// The balance before tx for the notification rules, which fire on a crossing: the last known balance
// (across a gap in the messages the account still crossed), else what the message itself shows, else
// null: nothing says the account was ever above the line, so it did not cross. What the message shows:
// its balance and a withdrawal's or deposit's amount, and for a move between a customer's own accounts
// the direction its account type gives, since such a move is named by the receiving account
// (checking_account: into checking), so the savings account's checking_account leg is money out.
export function balanceBeforeCrossing(tx: NormalizedTx, previousCents: number | null): number | null {
  if (previousCents !== null) return previousCents;
  const shown = balanceBefore(tx, null);
  if (shown !== null || tx.balanceCents === null || tx.status === 'declined' || tx.accountType === null) return shown;
  if (tx.type !== 'checking_account' && tx.type !== 'savings_account') return null;
  const into = (tx.type === 'checking_account') === (tx.accountType === 'checking');
  return into ? tx.balanceCents - tx.amountCents : tx.balanceCents + tx.amountCents;
}
