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

// Which way tx moved money for its account: 1 in, -1 out, 0 when the message cannot say. A move between a
// customer's own accounts is named by the receiving account (checking_account: into checking), so the
// account's type gives its direction: the savings account's checking_account leg is money out.
function direction(tx: NormalizedTx): 1 | -1 | 0 {
  if (tx.type === 'deposit') return 1;
  if (tx.type === 'withdraw') return -1;
  if ((tx.type === 'checking_account' || tx.type === 'savings_account') && tx.accountType !== null) {
    return (tx.type === 'checking_account') === (tx.accountType === 'checking') ? 1 : -1;
  }
  return 0;
}

export function balanceAfter(tx: NormalizedTx, previousCents: number | null): number | null {
  if (tx.balanceCents !== null) return tx.balanceCents;
  // A declined transaction moved no money.
  if (tx.status === 'declined') return previousCents;
  // The seed defines amount as the balance for these two event types.
  if (tx.type === 'current_balance' || tx.type === 'low_balance') return tx.amountCents;
  if (previousCents === null) return null;
  const sign = direction(tx);
  // A move between own accounts without the account's type: which way it went is unknown, and so is the
  // balance after it.
  return sign === 0 ? null : previousCents + sign * tx.amountCents;
}

// Balance just before tx. When the message carries its own balance, it is the authority (the previous
// message may be missing or out of date); otherwise the last known balance.
export function balanceBefore(tx: NormalizedTx, previousCents: number | null): number | null {
  if (tx.status === 'declined') return tx.balanceCents ?? previousCents;
  if (tx.balanceCents !== null) {
    const sign = direction(tx);
    if (sign !== 0) return tx.balanceCents - sign * tx.amountCents;
  }
  return previousCents;
}

// The balance before tx for the notification rules, which fire on a crossing: the last known balance
// (across a gap in the messages the account still crossed), else what the message itself shows, else
// null: nothing says the account was ever above the line, so it did not cross.
export function balanceBeforeCrossing(tx: NormalizedTx, previousCents: number | null): number | null {
  return previousCents ?? balanceBefore(tx, null);
}
