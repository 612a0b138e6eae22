// How a transaction moves the balance of the account it names. Consumers use this to check a stream: for
// every account, previous balance + delta = balance, and first balance - first delta + sum of deltas =
// final balance (accounts join the stream mid-life, with the balance they already had).

import type { AccountType, TransactionStatus, TransactionType } from './transaction.ts';
import type { Cents } from './money.ts';

// An own-account transfer is emitted once per leg, both legs with the type named by the receiving
// account: `savings_account` on the savings account is the credit, on the checking account the debit.
// A transfer between two customers is a withdraw on the payer's account and a deposit on the payee's.
// A declined transaction moves nothing.
export function balanceDeltaCents(type: TransactionType, accountType: AccountType, amount: Cents, status: TransactionStatus = 'approved'): Cents {
  if (status === 'declined') return 0;
  switch (type) {
    case 'deposit':
      return amount;
    case 'withdraw':
      return -amount;
    case 'checking_account':
      return accountType === 'checking' ? amount : -amount;
    case 'savings_account':
      return accountType === 'savings' ? amount : -amount;
    case 'current_balance':
    case 'low_balance':
      return 0;
  }
}
