// Shared builders for the processor tests: normalized transactions for the pure rules, raw records for
// the partition processor, and a small seeded generator so property-style tests replay exactly.
import { seededRandom } from '../helpers/random.ts';
import { makeAlert, type Alert, type AlertDetails, type RuleName } from '../../src/processor/alert.ts';
import { resolveConfig } from '../../src/processor/config.ts';
import type { InputRecord } from '../../src/processor/partition-processor.ts';
import type { AccountRule, RuleDeclaration, RuleSettings, SettingSpecs } from '../../src/processor/rules/rule.ts';
import type { NormalizedTx } from '../../src/processor/validate.ts';

export const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);

export function tx(over: Partial<NormalizedTx> = {}): NormalizedTx {
  return {
    transactionId: 'tx-0',
    derivedId: false,
    accountId: 'ACC-1',
    type: 'withdraw',
    amountCents: 1000,
    balanceCents: null,
    timestampMs: T0,
    customerId: null,
    accountType: null,
    currency: null,
    channel: null,
    counterpartyId: null,
    merchantCategory: null,
    status: 'approved',
    declineReason: null,
    lowBalanceThresholdCents: null,
    overdraftLimitCents: null,
    partition: 0,
    offset: '0',
    ...over,
  };
}

// The Alert the engine makes of what a rule found.
export function alertOf(rule: RuleDeclaration, t: NormalizedTx, details: AlertDetails | null): Alert | null {
  return details === null ? null : makeAlert(t, rule.name as RuleName, rule.severity, details);
}

// Runs a rule over steps (one second apart unless a step sets its time), threading the state, and
// returns the alert (or null) of every step.
export function runRule<N extends string, S extends SettingSpecs, St>(
  rule: AccountRule<N, S, St>,
  initial: St,
  config: RuleSettings<S>,
  steps: ReadonlyArray<Partial<NormalizedTx>>,
): Array<Alert | null> {
  let state = initial;
  return steps.map((step, i) => {
    const t = tx({ transactionId: `t${i}`, offset: String(i), timestampMs: T0 + i * 1000, ...step });
    const out = rule.evaluate(t, state, config);
    state = out.state;
    return alertOf(rule, t, out.alert);
  });
}

// Which steps fired, as their transaction ids: compact to compare in tables.
export function firedIds(alerts: ReadonlyArray<Alert | null>): string[] {
  return alerts.flatMap((a) => (a === null ? [] : [a.transaction_id]));
}

export interface MessageFields {
  transaction_id?: string;
  timestamp?: string;
  account_id?: string;
  customer_id?: string;
  account_type?: string;
  transaction_type?: string;
  amount?: number;
  balance?: number;
  currency?: string;
  channel?: string;
  counterparty_id?: string;
  merchant_category?: string;
  status?: string;
  decline_reason?: string;
  low_balance_threshold?: number;
  overdraft_limit?: number;
}

export function record(offset: number, message: MessageFields | string | null, options: { partition?: number; timestampMs?: number; label?: string } = {}): InputRecord {
  const headers = new Map<Buffer, Buffer>();
  if (options.label !== undefined) headers.set(Buffer.from('sim-label'), Buffer.from(options.label));
  return {
    partition: options.partition ?? 0,
    offset: BigInt(offset),
    timestamp: BigInt(options.timestampMs ?? T0 + offset * 1000),
    key: message !== null && typeof message === 'object' && message.account_id !== undefined ? Buffer.from(message.account_id) : null,
    value: message === null ? null : Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)),
    headers,
  };
}


export { seededRandom };

// Small thresholds and bounds so that a few hundred records exercise every rule, duplicate-id trimming,
// idle-account eviction and late records.
export const RECOVERY_CONFIG = resolveConfig({
  overrides: [
    'rules.velocity.count=3',
    'rules.velocity.windowSec=20',
    'rules.amount_outlier.minHistory=3',
    'rules.structuring.count=2',
    'rules.card_testing.minKnown=0',
    'rules.card_testing.maxCents=10000',
    'rules.new_payee.balanceShare=0',
    'rules.rapid_in_out.minInCents=0',
    'rules.check_then_transfer.minCents=0',
    'rules.check_then_transfer.balanceShare=0',
    'rules.new_payee_again.minCents=0',
    'rules.duplicate.maxIds=25',
    'rules.duplicate.windowSec=120',
    'accountIdleTtlSec=60',
    'latenessMs=1500',
    // Detection scoring's warm-up within the streams' first minutes, so that its state is restored too.
    'scoreWarmupSec=60',
  ],
});

const LABELS = ['account_takeover', 'card_testing', 'large_withdrawal', 'mule_transfer'];

// A seeded stream for one partition: full and minimal messages, bad records, retried transactions,
// out-of-order and idle gaps in event time, and simulator labels on most records.
// v2: also message v2's counterparties (a few known payees, sometimes a new one or a new merchant on the
// card) and deposits just under 10,000.00, in cash or from an outside sender, so that the rules that need
// them (new_payee, card_testing, structuring, rapid_in_out) fire too. Off, the
// stream is the one the version 1 snapshot fixture was taken from.
export function recoveryStream(seed: number, count: number, options: { v2?: boolean } = {}): InputRecord[] {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const accounts = Array.from({ length: 6 }, (_, i) => ({ id: `ACC-${i}`, balance: 500_00, fraud: null as string | null }));
  const sent: MessageFields[] = [];
  const records: InputRecord[] = [];
  let t = T0;
  for (let offset = 0; offset < count; offset++) {
    t += Math.floor(rand() * 2500) + (rand() < 0.02 ? 90_000 : 0);
    const eventMs = rand() < 0.05 ? t - Math.floor(rand() * 10_000) : t;
    const a = pick(accounts);
    if (rand() < 0.1) a.fraud = rand() < 0.5 ? null : pick(LABELS);
    const label = rand() < 0.8 ? (a.fraud ?? 'normal') : undefined;

    const roll = rand();
    if (roll < 0.05) {
      records.push(record(offset, pick(['{"oops"', '[]', '{"account_id":"X","transaction_type":"refund","amount":1}', '{"account_id":"X","transaction_type":"deposit","amount":-1}']), { timestampMs: t, label }));
      continue;
    }
    if (roll < 0.1 && sent.length > 0) {
      records.push(record(offset, pick(sent.slice(-30)), { timestampMs: t, label }));
      continue;
    }
    const type = pick(['withdraw', 'withdraw', 'withdraw', 'deposit', 'current_balance', 'low_balance', 'checking_account'] as const);
    let amount = Math.floor(rand() * 80_00) + 1_00;
    if (type === 'withdraw' && rand() < 0.1) amount = Math.floor(a.balance * 0.95);
    if (type === 'withdraw' && rand() < 0.05) amount *= 30;
    if (options.v2 === true && type === 'deposit' && rand() < 0.3) amount = 8_500_00 + Math.floor(rand() * 1_400_00);
    if (type === 'deposit') a.balance += amount;
    if (type === 'withdraw') a.balance -= amount;
    if (type === 'current_balance' || type === 'low_balance') amount = Math.max(0, a.balance);
    const minimal = rand() < 0.2;
    const message: MessageFields = minimal
      ? { account_id: a.id, transaction_type: type, amount: amount / 100 }
      : { transaction_id: `T-${seed}-${offset}`, timestamp: new Date(eventMs).toISOString(), account_id: a.id, transaction_type: type, amount: amount / 100, balance: a.balance / 100 };
    if (options.v2 === true && !minimal && type === 'withdraw') {
      const r = rand();
      message.counterparty_id = r < 0.6 ? pick(['EXT-1', 'EXT-2', 'PAY-3', 'MER-4']) : r < 0.8 ? `MER-${offset}` : `EXT-${offset}`;
      if (message.counterparty_id.startsWith('MER-')) message.channel = 'card';
    }
    if (options.v2 === true && !minimal && type === 'current_balance') message.channel = 'online';
    // Large deposits are cash at the branch (structuring), most others come from an outside sender (rapid_in_out).
    if (options.v2 === true && !minimal && type === 'deposit') {
      if (amount >= 8_500_00) message.channel = 'branch';
      else if (rand() < 0.7) message.counterparty_id = 'EXT-9';
    }
    if (!minimal) sent.push(message);
    records.push(record(offset, message, { timestampMs: minimal ? eventMs : t, label }));
  }
  return records;
}
