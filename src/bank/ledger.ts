// How each transaction type moves the balance of the account it names. Consumers use this to check a
// stream: for every account, previous balance + delta = balance, and the sum of deltas = final balance.

import type { AccountType, TransactionType } from './transaction.ts';
import type { Cents } from './money.ts';

// An own-account transfer is emitted once per leg, both legs with the type named by the receiving
// account: `savings_account` on the savings account is the credit, on the checking account the debit.
export function balanceDeltaCents(type: TransactionType, accountType: AccountType, amount: Cents): Cents {
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
