// The bank_cases record: one fraud case as the processor last saw it (src/processor/cases.ts builds it).
// A case is published when it opens and again on every update, under the same case_id with a growing
// `version`; readers keep the highest version per case_id. Field names are snake_case like the alerts.
import type { Severity } from '../processor/alert.ts';
import { array, count, finite, number, object, omitEmpty, parseValue, string, writeValue, type Infer } from './schema.ts';

export type CaseStatus = 'open';

export const caseFormat = object({
  case_id: string({ max: 300 }), // `case:${account_id}:${first alert's transaction_id}`
  version: number({ min: 1, integer: true }), // 1 when opened, +1 on each update
  account_id: string({ max: 1000 }),
  customer_id: omitEmpty(string({ max: 1000 })), // '' when the messages do not say
  opened_ms: finite, // event time of the case's first alert
  updated_ms: finite, // event time of its newest alert
  severity: string<Severity>({ max: 100 }),
  score: number({ min: 0 }), // 0..1, see docs/alerts.md
  rules: array(string({ max: 100 }), { distinct: true }),
  alert_ids: array(string({ max: 1000 }), { nonEmpty: true, distinct: true }),
  linked_accounts: omitEmpty(array(string({ max: 1000 }), { distinct: true })), // counterparties of its alerted transactions that are accounts of this bank
  amount_at_risk_cents: count, // approved withdrawals among its alerted transactions
  status: string<CaseStatus>({ max: 50 }),
  source: object({ partition: number({ integer: true, min: 0 }) }),
});

export type Case = Infer<typeof caseFormat>;

export function parseCase(value: Buffer | null | undefined): Case | null {
  return parseValue(caseFormat, value);
}

export function caseJson(c: Case): Buffer {
  return writeValue(caseFormat, c);
}

// The id of one publication of a case: what a restart must not publish twice.
export function caseUpdateId(c: Pick<Case, 'case_id' | 'version'>): string {
  return `${c.case_id}@${c.version}`;
}
