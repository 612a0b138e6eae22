// Fraud cases: the alerts that belong together, and a risk score for every transaction.
//
// Risk score of a transaction: the noisy-OR of the evidence weights (rules.<name>.weight) of the fraud
// rules that alerted on it, 1 - (1 - w1)(1 - w2)...: each alert is independent evidence, two weak ones
// make a stronger one, and the score stays in 0..1. No alert: 0.
//
// A case collects the alerts of one account within `caseWindowSec` of event time of each other (one
// incident window), with the bank's own accounts among their counterparties listed as linked accounts.
// Its score is the noisy-OR over the distinct rules among its alerts (a rule firing again adds nothing:
// it is the same evidence again), its severity follows from the score. It opens, and is published to
// bank_cases, once its score reaches `caseOpenScore`; a weak single alert (an unusual amount alone)
// stays a candidate that a later alert may still open. Every alert that joins an open case publishes
// the case again with version + 1; ids `case:<account>:<first transaction>` and `<case id>@<version>`
// are functions of the input, so a replay publishes the same ones (exactly-once as for alerts).
//
// Pure and per partition, like the rules: the state is one entry per account with an open or candidate
// case, dropped once its window has passed. Linking stops at the partition: accounts of other partitions
// are listed, not merged.
import type { Case } from '../formats/case.ts';
import type { Alert, Severity } from './alert.ts';
import type { ProcessorConfig } from './config.ts';
import type { NormalizedTx } from './validate.ts';

export interface CaseState {
  caseId: string;
  version: number; // publications so far; 0: a candidate, not yet open
  customerId: string;
  openedMs: number;
  updatedMs: number;
  rules: string[];
  alertIds: string[]; // at most MAX_ALERT_IDS, the first ones
  linked: string[];
  atRiskCents: number;
  score: number;
}

const MAX_ALERT_IDS = 200;
const MAX_LINKED = 20;
const BANK_ACCOUNT = /^(CHK|SAV)-/;

export function severityOf(score: number): Severity {
  if (score >= 0.9) return 'CRITICAL';
  if (score >= 0.75) return 'HIGH';
  if (score >= 0.5) return 'MEDIUM';
  return 'LOW';
}

export class CaseTracker {
  readonly open = new Map<string, CaseState>();
  private readonly weights: ReadonlyMap<string, number>;
  private readonly windowMs: number;
  private readonly openScore: number;

  constructor(config: ProcessorConfig) {
    const weights = new Map<string, number>();
    for (const [name, s] of Object.entries(config.rules) as Array<[string, { weight?: number }]>) if (s.weight !== undefined && s.weight > 0) weights.set(name, s.weight);
    this.weights = weights;
    this.windowMs = config.caseWindowSec * 1000;
    this.openScore = config.caseOpenScore;
  }

  // The transaction's risk score from its alerts, as its alerts carry it.
  score(alerts: readonly Alert[]): number {
    let keep = 1;
    for (const a of alerts) keep *= 1 - (this.weights.get(a.rule) ?? 0);
    return published(1 - keep);
  }

  // The case publication this transaction's alerts cause, if any.
  observe(tx: NormalizedTx, alerts: readonly Alert[], partition: number): Case | null {
    const evidence = alerts.filter((a) => (this.weights.get(a.rule) ?? 0) > 0);
    if (evidence.length === 0) return null;
    let c = this.open.get(tx.accountId);
    if (c !== undefined && tx.timestampMs - c.updatedMs > this.windowMs) c = undefined;
    const base: CaseState = c ?? {
      caseId: `case:${tx.accountId}:${tx.transactionId}`,
      version: 0,
      customerId: tx.customerId ?? '',
      openedMs: tx.timestampMs,
      updatedMs: tx.timestampMs,
      rules: [],
      alertIds: [],
      linked: [],
      atRiskCents: 0,
      score: 0,
    };
    const rules = [...base.rules];
    for (const a of evidence) if (!rules.includes(a.rule)) rules.push(a.rule);
    const alertIds = [...base.alertIds];
    for (const a of evidence) if (alertIds.length < MAX_ALERT_IDS && !alertIds.includes(a.id)) alertIds.push(a.id);
    const cp = tx.counterpartyId;
    const linked = cp !== null && BANK_ACCOUNT.test(cp) && !base.linked.includes(cp) && base.linked.length < MAX_LINKED ? [...base.linked, cp] : base.linked;
    const outgoing = tx.type === 'withdraw' && tx.status !== 'declined';
    let keep = 1;
    for (const r of rules) keep *= 1 - (this.weights.get(r) ?? 0);
    const score = 1 - keep;
    const opens = base.version > 0 || score >= this.openScore;
    const next: CaseState = {
      ...base,
      customerId: base.customerId === '' ? (tx.customerId ?? '') : base.customerId,
      version: opens ? base.version + 1 : 0,
      updatedMs: Math.max(base.updatedMs, tx.timestampMs),
      rules,
      alertIds,
      linked,
      atRiskCents: base.atRiskCents + (outgoing ? tx.amountCents : 0),
      score,
    };
    this.open.set(tx.accountId, next);
    return opens ? toCase(next, tx.accountId, partition) : null;
  }

  // Event-time driven like the account eviction: cases whose window has passed are done.
  evictIdle(watermarkMs: number): void {
    for (const [id, c] of this.open) if (c.updatedMs < watermarkMs - this.windowMs) this.open.delete(id);
  }

  toSnapshot(): Array<[string, CaseState]> {
    return [...this.open];
  }

  restore(entries: ReadonlyArray<[string, CaseState]>): void {
    this.open.clear();
    for (const [id, c] of entries) this.open.set(id, c);
  }
}

// A score as cases and alerts publish it: to 4 decimals.
function published(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}

function toCase(c: CaseState, accountId: string, partition: number): Case {
  return {
    case_id: c.caseId,
    version: c.version,
    account_id: accountId,
    customer_id: c.customerId,
    opened_ms: c.openedMs,
    updated_ms: c.updatedMs,
    severity: severityOf(c.score),
    score: published(c.score),
    rules: c.rules,
    alert_ids: c.alertIds,
    linked_accounts: c.linked,
    amount_at_risk_cents: c.atRiskCents,
    status: 'open',
    source: { partition },
  };
}
