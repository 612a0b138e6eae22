// The bank_alerts message: the course project's three fields (account_id, transaction_type, amount) plus
// the fields a data team needs to trust and join the stream. Amounts are major units with 2 decimals on
// the wire; everything inside the simulator and processor uses integer cents.

export const TRANSACTION_TYPES = [
  'deposit', // money in: payroll, cash, transfers from outside
  'withdraw', // money out: ATM, card, bills
  'current_balance', // balance inquiry or statement; amount = balance
  'checking_account', // move between a customer's own accounts, named by the receiving account
  'savings_account', // likewise, into savings
  'low_balance', // balance fell below the customer's threshold; amount = balance
] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

export const ACCOUNT_TYPES = ['checking', 'savings'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const CHANNELS = ['atm', 'card', 'online', 'branch', 'payroll', 'transfer', 'system'] as const;
export type Channel = (typeof CHANNELS)[number];

// Full message as produced by `buzzline produce`. The processor also accepts the seed's minimal message
// (account_id, transaction_type, amount only).
export interface Transaction {
  transaction_id: string;
  timestamp: string; // ISO 8601, UTC
  account_id: string;
  customer_id: string;
  account_type: AccountType;
  transaction_type: TransactionType;
  amount: number; // major units, 2 decimals, >= 0
  balance: number; // balance after the event, major units; negative means overdrawn
  currency: string; // ISO 4217
  channel: Channel;
}

// Ground truth travels in a record header, never in the payload.
export const SIM_LABEL_HEADER = 'sim-label';
export const SIM_LABELS = ['normal', 'account_takeover', 'card_testing', 'large_withdrawal', 'mule_transfer'] as const;
export type SimLabel = (typeof SIM_LABELS)[number];

export const TOPICS = {
  transactions: 'bank_alerts',
  alerts: 'bank_alerts_high',
  deadLetters: 'bank_alerts_dlq',
  metrics: 'bank_metrics',
} as const;

export const CONSUMER_GROUP = 'banking-consumer-group';
