// The bank_alerts message: the course project's three fields (account_id, transaction_type, amount) plus
// the fields a data team needs to trust and join the stream. Amounts are major units with 2 decimals on
// the wire; everything inside the simulator and processor uses integer cents.

export const TRANSACTION_TYPES = [
  'deposit', // money in: payroll, cash, transfers from outside or from another customer, refunds
  'withdraw', // money out: ATM, card, bills, transfers to others; may be declined (no money moves)
  'current_balance', // balance inquiry or statement; amount = balance
  'checking_account', // move between a customer's own accounts, named by the receiving account
  'savings_account', // likewise, into savings
  'low_balance', // balance fell below the customer's threshold; amount = balance
] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

export const ACCOUNT_TYPES = ['checking', 'savings'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

// `p2p`: a customer-to-customer transfer inside the bank (both legs carry the other side's account).
export const CHANNELS = ['atm', 'card', 'online', 'branch', 'payroll', 'transfer', 'system', 'p2p'] as const;
export type Channel = (typeof CHANNELS)[number];

// What a card purchase or bill payment was for. The processor accepts any name matching
// /^[a-z][a-z0-9_]{0,31}$/; these are the ones the simulator uses.
export const MERCHANT_CATEGORIES = [
  'grocery',
  'restaurant',
  'fuel',
  'transport',
  'digital_goods',
  'online_retail',
  'electronics',
  'travel',
  'entertainment',
  'health',
  'utilities',
  'housing',
  'telecom',
  'insurance',
  'gambling',
  'crypto',
  'money_transfer',
  'jewelry',
  'gift_cards',
  'charity',
  'other',
] as const;
export type MerchantCategory = (typeof MERCHANT_CATEGORIES)[number];

export const TRANSACTION_STATUSES = ['approved', 'declined'] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

export const DECLINE_REASONS = ['insufficient_funds', 'card_blocked', 'suspected_fraud', 'limit_exceeded', 'invalid_pin'] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

// The times a transaction's timestamp may have, [from, until): the processor dead-letters others
// (bad_timestamp), so the producer refuses a bank that would start outside them.
const TIMESTAMP_RANGE_MS = { from: Date.UTC(2000, 0, 1), until: Date.UTC(2100, 0, 1) } as const;

export function isTransactionTimeMs(ms: number): boolean {
  return ms >= TIMESTAMP_RANGE_MS.from && ms < TIMESTAMP_RANGE_MS.until;
}

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
  // The account's own settings, on every event, so a consumer can judge a balance without a lookup.
  low_balance_threshold: number; // major units
  overdraft_limit: number; // major units; the balance may go down to -overdraft_limit
  // The other side: MER-nnnnn merchant, PAY-nnnnn bill payee, CHK-/SAV- account in this bank, EXT-...
  // outside account, ATM-nnnn. Absent for balance reports and moves between a customer's own accounts.
  counterparty_id?: string;
  merchant_category?: MerchantCategory; // card purchases and bill payments
  // Absent means approved. A declined transaction moves no money: balance is the previous balance.
  status?: TransactionStatus;
  decline_reason?: DeclineReason;
}

// Ground truth travels in record headers, never in the payload: the scenario in `sim-label`, and on every
// record of a fraud incident (both sides of a transfer included) one id per incident in `sim-incident`.
export const SIM_LABEL_HEADER = 'sim-label';
export const SIM_INCIDENT_HEADER = 'sim-incident';
export const SIM_LABELS = ['normal', 'account_takeover', 'card_testing', 'card_cloned', 'app_scam', 'mule_network', 'structuring'] as const;
export type SimLabel = (typeof SIM_LABELS)[number];

export const TOPICS = {
  transactions: 'bank_alerts',
  alerts: 'bank_alerts_high',
  deadLetters: 'bank_alerts_dlq',
  metrics: 'bank_metrics',
} as const;

export const CONSUMER_GROUP = 'banking-consumer-group';
