// The bank_alerts_high message. An alert must explain itself to someone who never saw the rule's code
// (which rule, what was observed, against which threshold, how bad), and its id must be a pure function
// of the input so that a replay after a crash re-creates the very same id: downstream can then treat the
// alert stream as a set and a re-emitted alert is recognisably the same alert, never a new one.
// The format, and the Alert type with it, is declared in src/formats/alert.ts.
import type { Alert } from '../formats/alert.ts';
import type { RuleName } from './rules/registry.ts';
import type { NormalizedTx } from './validate.ts';

export type { Alert };
// The rule names come from the rule registry; re-exported here because an alert is where they show.
export { RULE_NAMES, type RuleName } from './rules/registry.ts';

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function alertId(transactionId: string, rule: RuleName): string {
  return `${transactionId}:${rule}`;
}

export interface AlertDetails {
  observed: Record<string, number | string>;
  threshold: Record<string, number>;
  explanation: string;
}

// What of a transaction an alert reports (the rest may be there or not).
type Reported = 'transactionId' | 'accountId' | 'type' | 'timestampMs' | 'partition' | 'offset';
export type AlertedTx = Pick<NormalizedTx, Reported> & Partial<Omit<NormalizedTx, Reported>>;

export function makeAlert(tx: AlertedTx, rule: RuleName, severity: Severity, details: AlertDetails): Alert {
  return {
    id: alertId(tx.transactionId, rule),
    rule,
    severity,
    account_id: tx.accountId,
    transaction_id: tx.transactionId,
    transaction_type: tx.type,
    timestamp: new Date(tx.timestampMs).toISOString(),
    observed: details.observed,
    threshold: details.threshold,
    explanation: details.explanation,
    risk_score: 0, // set once all the transaction's alerts are known (PartitionProcessor)
    source: { partition: tx.partition, offset: tx.offset },
  };
}
