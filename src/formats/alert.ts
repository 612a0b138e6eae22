// The bank_alerts_high record: one alert, as makeAlert (src/processor/alert.ts) builds it. Field names are
// snake_case like the Transaction it reports on, because both are wire messages.
//
// rule, severity and transaction_type are typed as the processor's unions but parsed as any text within
// a limit: the page treats them as text and only maps known values to styles, so an alert from another
// producer, or from a newer processor with a rule this one does not know, still displays safely.
import type { TransactionType } from '../bank/transaction.ts';
import type { RuleName, Severity } from '../processor/alert.ts';
import { finite, lenient, map, number, object, omitEmpty, orDefault, parseValue, string, union, writeValue, type Infer } from './schema.ts';

export const alertFormat = object({
  id: string({ max: 1000 }), // `${transaction_id}:${rule}`
  rule: string<RuleName>({ max: 100 }),
  severity: string<Severity>({ max: 100 }),
  account_id: string({ max: 1000 }),
  transaction_id: string({ max: 1000 }),
  transaction_type: string<TransactionType>({ max: 100 }),
  timestamp: string({ max: 100 }), // event time of the transaction (ISO 8601, UTC), not the time the rule ran
  observed: orDefault(map(union(finite, string({ max: 1000 })))), // keys carry their unit, e.g. amount_cents
  threshold: orDefault(map(finite)),
  explanation: string({ max: 4000 }),
  // The transaction's risk score, 0 to 1 (the noisy-OR of the weights of the fraud rules that alerted on
  // it, src/processor/cases.ts): the same on each of its alerts. Left out when 0: notifications, and a
  // duplicate id alone (a data problem, not fraud).
  risk_score: omitEmpty(number({ min: 0 })),
  // Where the triggering record lives in bank_alerts: a reader can show an alert without it.
  source: lenient(
    object({
      partition: lenient(number({ integer: true }), () => -1),
      offset: lenient(string({ numbers: true })), // decimal int64
    }),
  ),
});

export type Alert = Infer<typeof alertFormat>;

export function parseAlert(value: Buffer | null | undefined): Alert | null {
  return parseValue(alertFormat, value);
}

export function alertJson(alert: Alert): Buffer {
  return writeValue(alertFormat, alert);
}
