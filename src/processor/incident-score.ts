// Detection scored the way a fraud team judges it: per incident and per case, not per alert. Fed with
// every processed transaction (its ground truth from the simulator's headers) and the case publications
// the processor made for it; pure and offline (the backtest), so the figures of two configurations over
// the same input can be compared.
//
// - Incident: the records carrying one `sim-incident` header value; records without one but with a
//   fraud `sim-label` (the v1 simulator) form an incident per run of one label on one customer (on one
//   account when the messages do not name the customer: a takeover moves savings into checking first).
//   Its scenario is its label.
// - Warm-up: incidents starting, and cases opening, in the first `warmupMs` of event time are not scored
//   (the baselines are still empty there); accounts and days count from the end of the warm-up.
// - Incident recall: incidents with a case publication on one of their records / incidents.
// - Case precision: cases whose alerts include one on a fraud record / cases opened.
// - Value detected: fraud outflow (approved withdrawals of incident records) at or after the incident's
//   first case / all fraud outflow.
// - Time to detect: event time from an incident's first record to its first case; the median is reported.
// - Cases per 1,000 accounts per day: cases opened / (accounts seen / 1,000) / days of event time.
// - Top-100 precision: per day of event time, the 100 cases with the highest score (their last version),
//   pooled over days.
import type { Case } from '../formats/case.ts';
import type { NormalizedTx } from './validate.ts';

export interface IncidentFigures {
  incidents: number;
  detected: number;
  recall: number | null;
  valueDetected: number | null;
  medianTtdMs: number | null;
}

export interface ScoreTable extends IncidentFigures {
  cases: number;
  truePositiveCases: number;
  casePrecision: number | null;
  casesPerThousandAccountsPerDay: number | null;
  top100Precision: number | null;
  accounts: number;
  days: number;
  byScenario: Record<string, IncidentFigures>;
}

interface Incident {
  scenario: string;
  startMs: number;
  scored: boolean; // started after the warm-up
  outflowCents: number;
  detectedAtMs: number | null;
  outflowDetectedCents: number;
}

interface CaseSeen {
  openedMs: number;
  score: number;
  fraud: boolean;
}

const DAY_MS = 86_400_000;

export class IncidentScorer {
  private readonly warmupMs: number;
  private firstMs: number | null = null;
  private lastMs: number | null = null;
  private readonly incidents = new Map<string, Incident>();
  private readonly runs = new Map<string, { label: string; key: string }>(); // v1: open label run per customer
  private readonly fraudTx = new Map<string, string>(); // transaction id -> incident key
  private readonly cases = new Map<string, CaseSeen>();
  private readonly accounts = new Set<string>();

  constructor(warmupMs: number) {
    this.warmupMs = warmupMs;
  }

  // One processed transaction, its headers' ground truth, and the case publications it caused.
  observe(tx: NormalizedTx, label: string | null, incidentId: string | null, cases: readonly Case[]): void {
    const t = tx.timestampMs;
    this.firstMs ??= t;
    this.lastMs = Math.max(this.lastMs ?? t, t);
    const warm = t >= this.firstMs + this.warmupMs;
    if (warm) this.accounts.add(tx.accountId);

    const key = this.incidentKey(tx, label, incidentId);
    let incident: Incident | undefined;
    if (key !== null) {
      incident = this.incidents.get(key);
      if (incident === undefined) {
        incident = { scenario: label ?? 'unknown', startMs: t, scored: warm, outflowCents: 0, detectedAtMs: null, outflowDetectedCents: 0 };
        this.incidents.set(key, incident);
      }
      this.fraudTx.set(tx.transactionId, key);
    }

    for (const c of cases) {
      const seen = this.cases.get(c.case_id);
      const fraud = c.alert_ids.some((id) => this.fraudTx.has(id.slice(0, id.lastIndexOf(':'))));
      if (seen === undefined) this.cases.set(c.case_id, { openedMs: t, score: c.score, fraud });
      else this.cases.set(c.case_id, { openedMs: seen.openedMs, score: c.score, fraud: seen.fraud || fraud });
      // Every incident whose records are among the case's alerts is detected now.
      for (const id of c.alert_ids) {
        const k = this.fraudTx.get(id.slice(0, id.lastIndexOf(':')));
        const inc = k === undefined ? undefined : this.incidents.get(k);
        if (inc !== undefined && inc.detectedAtMs === null) inc.detectedAtMs = t;
      }
    }

    if (incident !== undefined && tx.type === 'withdraw' && tx.status !== 'declined') {
      incident.outflowCents += tx.amountCents;
      if (incident.detectedAtMs !== null) incident.outflowDetectedCents += tx.amountCents;
    }
  }

  table(): ScoreTable {
    const scored = [...this.incidents.values()].filter((i) => i.scored);
    const overall = figures(scored);
    const byScenario: Record<string, IncidentFigures> = {};
    for (const scenario of [...new Set(scored.map((i) => i.scenario))].sort()) byScenario[scenario] = figures(scored.filter((i) => i.scenario === scenario));

    const from = (this.firstMs ?? 0) + this.warmupMs;
    const cases = [...this.cases.values()].filter((c) => c.openedMs >= from);
    const truePositiveCases = cases.filter((c) => c.fraud).length;
    const days = this.lastMs === null || this.lastMs <= from ? 0 : (this.lastMs - from) / DAY_MS;
    const byDay = new Map<number, CaseSeen[]>();
    for (const c of cases) {
      const day = Math.floor(c.openedMs / DAY_MS);
      const list = byDay.get(day) ?? [];
      list.push(c);
      byDay.set(day, list);
    }
    let top = 0;
    let topTrue = 0;
    for (const list of byDay.values()) {
      const best = list.sort((a, b) => b.score - a.score).slice(0, 100);
      top += best.length;
      topTrue += best.filter((c) => c.fraud).length;
    }
    return {
      ...overall,
      cases: cases.length,
      truePositiveCases,
      casePrecision: cases.length === 0 ? null : truePositiveCases / cases.length,
      casesPerThousandAccountsPerDay: days === 0 || this.accounts.size === 0 ? null : cases.length / (this.accounts.size / 1000) / days,
      top100Precision: top === 0 ? null : topTrue / top,
      accounts: this.accounts.size,
      days,
      byScenario,
    };
  }

  private incidentKey(tx: NormalizedTx, label: string | null, incidentId: string | null): string | null {
    if (incidentId !== null) return `inc:${incidentId}`;
    const who = tx.customerId ?? tx.accountId;
    if (label === null || label === 'normal') {
      if (label === 'normal') this.runs.delete(who);
      return null;
    }
    const run = this.runs.get(who);
    if (run !== undefined && run.label === label) return run.key;
    const key = `run:${who}:${label}:${tx.transactionId}`;
    this.runs.set(who, { label, key });
    return key;
  }
}

function figures(incidents: readonly Incident[]): IncidentFigures {
  const detected = incidents.filter((i) => i.detectedAtMs !== null);
  let outflow = 0;
  let caught = 0;
  for (const i of incidents) {
    outflow += i.outflowCents;
    caught += i.outflowDetectedCents;
  }
  const ttds = detected.map((i) => (i.detectedAtMs as number) - i.startMs).sort((a, b) => a - b);
  const mid = ttds.length >> 1;
  return {
    incidents: incidents.length,
    detected: detected.length,
    recall: incidents.length === 0 ? null : detected.length / incidents.length,
    valueDetected: outflow === 0 ? null : caught / outflow,
    medianTtdMs: ttds.length === 0 ? null : ttds.length % 2 === 1 ? (ttds[mid] as number) : ((ttds[mid - 1] as number) + (ttds[mid] as number)) / 2,
  };
}
