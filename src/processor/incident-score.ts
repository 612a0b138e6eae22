// Detection scored the way a fraud team judges it: per incident and per case, not per alert. Fed with
// every processed transaction (its ground truth from the simulator's headers) and the case publications
// the processor made for it. Pure, and used the same way offline (the backtest, bench/detection.ts) and
// live (`buzzline consume` publishes each partition's facts in bank_metrics, the dashboard merges them):
//
//   IncidentTracker (one per source partition) --DetectionFacts--> IncidentBoard (merge) --> ScoreTable
//
// An incident's records (victim and mule side) can be in several partitions, so a tracker only states
// facts of its own records (src/formats/detection.ts) and the board joins them; the offline
// IncidentScorer goes through the same two steps, so live and offline figures agree on the same records.
//
// - Incident: the records carrying one `sim-incident` header value; records without one but with a
//   fraud `sim-label` (the v1 simulator) form an incident per run of one label on one customer within a
//   partition (on one account when the messages do not name the customer: a takeover moves savings into
//   checking first). Its scenario is its label; it starts at its earliest record's event time.
// - Warm-up: per partition, from its first labelled record for `warmupMs` of event time (the baselines of
//   its accounts are still empty there; a restored processor keeps its partition's start). Incidents whose
//   earliest record, and cases whose first publication, came during their partition's warm-up are not
//   scored; accounts count from the end of the warm-up.
// - Incident recall: incidents with a case publication on one of their records / incidents.
// - Case precision: cases whose alerts include one on a fraud record / cases opened.
// - Value detected: fraud outflow (approved withdrawals of incident records) at or after the incident's
//   first case in event time / all fraud outflow.
// - Time to detect: event time from an incident's first record to its first case; the median is reported.
// - Cases per 1,000 accounts per day: cases opened / (accounts seen / 1,000) / days of event time (from
//   the earliest end of a warm-up to the newest event time).
// - Top-100 precision: per day of event time, the 100 cases with the highest score (their last version),
//   pooled over days.
import type { Case } from '../formats/case.ts';
import type { DetectionFacts } from '../formats/detection.ts';
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

const DAY_MS = 86_400_000;
// A partition without facts to report says where it stands at least once per this much event time (and
// when it goes idle or shuts down). Each is a bank_metrics record of its own: a simulated bank covers
// seconds to minutes of event time per record, and once a minute cost a record per five input records.
const SUMMARY_EVERY_MS = 15 * 60_000;

export interface IncidentTrackerSnapshot {
  firstMs: number | null;
  lastMs: number | null;
  summaryMs: number | null;
  accounts: string[];
  runs: Array<[string, { label: string; key: string }]>;
  fraudTx: Array<[string, { key: string; atMs: number }]>;
}

// In a delta checkpoint: the accounts first seen after the warm-up since the checkpoint before it, not all
// of them. A bank's whole population is there within a day or two, and carrying it in every delta made a
// delta after one record about 90 KB (33,000 ids) instead of a few hundred bytes.
export interface IncidentTrackerDelta extends Omit<IncidentTrackerSnapshot, 'accounts'> {
  accountsAdded: string[];
}

// One source partition's facts, record by record, in offset order.
export class IncidentTracker {
  readonly partition: number;
  readonly warmupMs: number;
  private firstMs: number | null = null;
  private lastMs: number | null = null;
  private summaryMs: number | null = null; // event time of the last facts record
  private summaryOffset: string | null = null; // and its offset (facts at the same offset are not repeated)
  private readonly accounts = new Set<string>();
  private added: string[] = []; // of accounts, those added since the last checkpoint
  private readonly runs = new Map<string, { label: string; key: string }>(); // v1: open label run per customer
  private readonly fraudTx = new Map<string, { key: string; atMs: number }>(); // transaction id -> incident

  constructor(partition: number, warmupMs: number) {
    this.partition = partition;
    this.warmupMs = warmupMs;
  }

  // One processed transaction of a labelled record, its ground truth and the case publications it caused
  // (all of them, those a restore suppresses too). Returns the facts to publish, or null.
  observe(tx: NormalizedTx, offset: bigint | number, label: string, incidentId: string | null, cases: readonly Case[]): DetectionFacts | null {
    const t = tx.timestampMs;
    this.firstMs ??= t;
    this.lastMs = Math.max(this.lastMs ?? t, t);
    const warm = t >= this.firstMs + this.warmupMs;
    if (warm) {
      const known = this.accounts.size;
      this.accounts.add(tx.accountId);
      if (this.accounts.size !== known) this.added.push(tx.accountId);
    }

    const key = this.incidentKey(tx, label, incidentId);
    if (key !== null) this.fraudTx.set(tx.transactionId, { key, atMs: t });
    let facts: DetectionFacts['cases'] = [];
    if (cases.length > 0) {
      facts = cases.map((c) => {
        const hits = new Set<string>();
        for (const id of c.alert_ids) {
          const hit = this.fraudTx.get(id.slice(0, id.lastIndexOf(':')));
          if (hit !== undefined) hits.add(hit.key);
        }
        return { id: c.case_id, version: c.version, score: c.score, fraud: hits.size > 0, hits: [...hits] };
      });
    }
    if (key === null && facts.length === 0 && this.summaryMs !== null && t - this.summaryMs < SUMMARY_EVERY_MS) return null;
    this.summaryMs = t;
    this.summaryOffset = String(offset);
    const outflowCents = tx.type === 'withdraw' && tx.status !== 'declined' ? tx.amountCents : 0;
    return {
      ...this.summaryAt(String(offset), t, warm),
      incident: key === null ? null : { id: key, scenario: label, outflowCents },
      cases: facts,
    };
  }

  // The partition's summary, for a partition going idle: null when nothing labelled was seen or the last
  // facts already said it.
  summary(offset: bigint): DetectionFacts | null {
    if (this.firstMs === null || this.lastMs === null) return null;
    const at = String(offset);
    if (at === this.summaryOffset) return null;
    this.summaryOffset = at;
    return { ...this.summaryAt(at, this.lastMs, this.lastMs >= this.firstMs + this.warmupMs), incident: null, cases: [] };
  }

  // Fraud transactions older than cutoffMs can no longer join a case's alerts (their account's state is
  // gone too).
  evictIdle(cutoffMs: number): void {
    for (const [id, f] of this.fraudTx) if (f.atMs < cutoffMs) this.fraudTx.delete(id);
  }

  toSnapshot(): IncidentTrackerSnapshot {
    return { ...this.facts(), accounts: [...this.accounts] };
  }

  // For a checkpoint: the full snapshot, or (delta) the accounts added since the previous checkpoint; the
  // next delta counts from here.
  takeCheckpoint(delta: false): IncidentTrackerSnapshot;
  takeCheckpoint(delta: true): IncidentTrackerDelta;
  takeCheckpoint(delta: boolean): IncidentTrackerSnapshot | IncidentTrackerDelta {
    const taken = delta ? { ...this.facts(), accountsAdded: this.added } : this.toSnapshot();
    this.added = [];
    return taken;
  }

  // The full snapshot after a chain of deltas: the last delta's facts, and the accounts the chain's full
  // snapshot and deltas added up to.
  static fromDelta(d: IncidentTrackerDelta, accounts: Iterable<string>): IncidentTrackerSnapshot {
    const { accountsAdded: _added, ...facts } = d;
    return { ...facts, accounts: [...accounts] };
  }

  private facts(): Omit<IncidentTrackerSnapshot, 'accounts'> {
    return { firstMs: this.firstMs, lastMs: this.lastMs, summaryMs: this.summaryMs, runs: [...this.runs], fraudTx: [...this.fraudTx] };
  }

  static fromSnapshot(partition: number, warmupMs: number, s: IncidentTrackerSnapshot): IncidentTracker {
    const tracker = new IncidentTracker(partition, warmupMs);
    tracker.firstMs = s.firstMs;
    tracker.lastMs = s.lastMs;
    tracker.summaryMs = s.summaryMs;
    for (const a of s.accounts) tracker.accounts.add(a);
    for (const [who, run] of s.runs) tracker.runs.set(who, run);
    for (const [id, f] of s.fraudTx) tracker.fraudTx.set(id, f);
    return tracker;
  }

  private summaryAt(offset: string, atMs: number, warm: boolean): Omit<DetectionFacts, 'incident' | 'cases'> {
    return {
      kind: 'detection',
      partition: this.partition,
      offset,
      firstMs: this.firstMs as number,
      lastMs: this.lastMs as number,
      warmupMs: this.warmupMs,
      accounts: this.accounts.size,
      atMs,
      warm,
    };
  }

  private incidentKey(tx: NormalizedTx, label: string, incidentId: string | null): string | null {
    if (incidentId !== null) return `inc:${incidentId}`;
    const who = tx.customerId ?? tx.accountId;
    if (label === 'normal') {
      this.runs.delete(who);
      return null;
    }
    const run = this.runs.get(who);
    if (run !== undefined && run.label === label) return run.key;
    const key = `run:${who}:${label}:${tx.transactionId}`;
    this.runs.set(who, { label, key });
    return key;
  }
}

interface BoardPartition {
  offset: bigint;
  firstMs: number;
  lastMs: number;
  warmupMs: number;
  accounts: number;
}

interface BoardIncident {
  scenario: string;
  startMs: number; // Infinity until one of its records is seen (a case's facts may name it first)
  scored: boolean; // its earliest record came after its partition's warm-up
  firstCaseMs: number | null;
  outflow: Map<string, { atMs: number; cents: number }>; // by `${partition}:${offset}`
}

interface BoardCase {
  openedMs: number;
  scored: boolean;
  version: number;
  score: number;
  fraud: boolean;
}

// The merge of every partition's facts, in any order and with any repeats.
export class IncidentBoard {
  private readonly partitions = new Map<number, BoardPartition>();
  private readonly incidents = new Map<string, BoardIncident>();
  private readonly cases = new Map<string, BoardCase>();
  factsApplied = 0;

  // Whether labelled records were reported at all.
  get empty(): boolean {
    return this.partitions.size === 0;
  }

  apply(f: DetectionFacts): void {
    this.factsApplied++;
    const offset = BigInt(f.offset);
    const p = this.partitions.get(f.partition);
    if (p === undefined || offset > p.offset) {
      this.partitions.set(f.partition, { offset, firstMs: f.firstMs, lastMs: Math.max(f.lastMs, p?.lastMs ?? f.lastMs), warmupMs: f.warmupMs, accounts: f.accounts });
    }
    if (f.incident !== null) {
      const inc = this.incident(f.incident.id, f.incident.scenario);
      if (f.atMs < inc.startMs) {
        inc.startMs = f.atMs;
        inc.scored = f.warm;
      } else if (f.atMs === inc.startMs) {
        inc.scored &&= f.warm;
      }
      if (f.incident.outflowCents > 0) inc.outflow.set(`${f.partition}:${f.offset}`, { atMs: f.atMs, cents: f.incident.outflowCents });
    }
    for (const c of f.cases) {
      const seen = this.cases.get(c.id);
      if (seen === undefined) {
        this.cases.set(c.id, { openedMs: f.atMs, scored: f.warm, version: c.version, score: c.score, fraud: c.fraud });
      } else {
        if (f.atMs < seen.openedMs) {
          seen.openedMs = f.atMs;
          seen.scored = f.warm;
        } else if (f.atMs === seen.openedMs) {
          seen.scored &&= f.warm;
        }
        if (c.version > seen.version) {
          seen.version = c.version;
          seen.score = c.score;
        }
        seen.fraud ||= c.fraud;
      }
      for (const id of c.hits) {
        const inc = this.incident(id, null);
        if (inc.firstCaseMs === null || f.atMs < inc.firstCaseMs) inc.firstCaseMs = f.atMs;
      }
    }
  }

  table(): ScoreTable {
    const scored = [...this.incidents.values()].filter((i) => i.scored && Number.isFinite(i.startMs));
    const overall = figures(scored);
    const byScenario: Record<string, IncidentFigures> = {};
    for (const scenario of [...new Set(scored.map((i) => i.scenario))].sort()) byScenario[scenario] = figures(scored.filter((i) => i.scenario === scenario));

    let from = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    let accounts = 0;
    for (const p of this.partitions.values()) {
      from = Math.min(from, p.firstMs + p.warmupMs);
      last = Math.max(last, p.lastMs);
      accounts += p.accounts;
    }
    const days = last > from ? (last - from) / DAY_MS : 0;
    const cases = [...this.cases.values()].filter((c) => c.scored);
    const truePositiveCases = cases.filter((c) => c.fraud).length;
    const byDay = new Map<number, BoardCase[]>();
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
      casesPerThousandAccountsPerDay: days === 0 || accounts === 0 ? null : cases.length / (accounts / 1000) / days,
      top100Precision: top === 0 ? null : topTrue / top,
      accounts,
      days,
      byScenario,
    };
  }

  // The end of the earliest warm-up: before it nothing is scored.
  warmUntilMs(): number | null {
    let from: number | null = null;
    for (const p of this.partitions.values()) from = Math.min(from ?? Number.POSITIVE_INFINITY, p.firstMs + p.warmupMs);
    return from;
  }

  private incident(id: string, scenario: string | null): BoardIncident {
    let inc = this.incidents.get(id);
    if (inc === undefined) {
      inc = { scenario: scenario ?? 'unknown', startMs: Number.POSITIVE_INFINITY, scored: false, firstCaseMs: null, outflow: new Map() };
      this.incidents.set(id, inc);
    } else if (scenario !== null) {
      inc.scenario = scenario;
    }
    return inc;
  }
}

// Offline scoring (the backtest): a tracker per partition feeding one board.
export class IncidentScorer {
  private readonly warmupMs: number;
  private readonly trackers = new Map<number, { tracker: IncidentTracker; offset: bigint }>();
  private readonly board = new IncidentBoard();
  private seq = 0n; // stands in for offsets when the caller gives none

  constructor(warmupMs: number) {
    this.warmupMs = warmupMs;
  }

  // One processed transaction, its headers' ground truth, and the case publications it caused. Records
  // of one partition come in offset order; without a partition and offset, all are one partition's.
  observe(tx: NormalizedTx, label: string | null, incidentId: string | null, cases: readonly Case[], partition = 0, offset?: bigint | number): void {
    if (label === null) return;
    let t = this.trackers.get(partition);
    if (t === undefined) {
      t = { tracker: new IncidentTracker(partition, this.warmupMs), offset: 0n };
      this.trackers.set(partition, t);
    }
    t.offset = offset === undefined ? this.seq++ : BigInt(offset);
    const facts = t.tracker.observe(tx, t.offset, label, incidentId, cases);
    if (facts !== null) this.board.apply(facts);
  }

  table(): ScoreTable {
    for (const t of this.trackers.values()) {
      const last = t.tracker.summary(t.offset);
      if (last !== null) this.board.apply(last);
    }
    return this.board.table();
  }
}

function figures(incidents: readonly BoardIncident[]): IncidentFigures {
  let detected = 0;
  let outflow = 0;
  let caught = 0;
  const ttds: number[] = [];
  for (const i of incidents) {
    if (i.firstCaseMs !== null) {
      detected++;
      ttds.push(Math.max(0, i.firstCaseMs - i.startMs));
    }
    for (const o of i.outflow.values()) {
      outflow += o.cents;
      if (i.firstCaseMs !== null && o.atMs >= i.firstCaseMs) caught += o.cents;
    }
  }
  ttds.sort((a, b) => a - b);
  const mid = ttds.length >> 1;
  return {
    incidents: incidents.length,
    detected,
    recall: incidents.length === 0 ? null : detected / incidents.length,
    valueDetected: outflow === 0 ? null : caught / outflow,
    medianTtdMs: ttds.length === 0 ? null : ttds.length % 2 === 1 ? (ttds[mid] as number) : ((ttds[mid - 1] as number) + (ttds[mid] as number)) / 2,
  };
}
