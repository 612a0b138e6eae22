// Shared builders for the processor tests: normalized transactions for the pure rules, raw records for
// the partition processor, and a small seeded generator so property-style tests replay exactly.
import type { Alert } from '../../src/processor/alert.ts';
import type { InputRecord } from '../../src/processor/partition-processor.ts';
import type { RuleOutcome } from '../../src/processor/rules/rule.ts';
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
    partition: 0,
    offset: '0',
    ...over,
  };
}

// Runs a rule over steps (one second apart unless a step sets its time), threading the state, and
// returns the alert (or null) of every step.
export function runRule<S, C>(
  rule: (t: NormalizedTx, s: S, c: C) => RuleOutcome<S>,
  initial: S,
  config: C,
  steps: ReadonlyArray<Partial<NormalizedTx>>,
): Array<Alert | null> {
  let state = initial;
  return steps.map((step, i) => {
    const out = rule(tx({ transactionId: `t${i}`, offset: String(i), timestampMs: T0 + i * 1000, ...step }), state, config);
    state = out.state;
    return out.alert;
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

export { seededRandom } from '../helpers/random.ts';
