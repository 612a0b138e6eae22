// One partition's processing, without I/O: a record in, the records to produce out. The consume loop
// owns one PartitionProcessor per assigned partition, produces what process() returns, and uses
// snapshot()/restore() for recovery as described in state.ts and docs/processor-state.md.
import { SIM_INCIDENT_HEADER, SIM_LABEL_HEADER, TOPICS } from '../bank/transaction.ts';
import type { Alert, RuleName } from './alert.ts';
import { caseUpdateId, type Case } from '../formats/case.ts';
import type { DetectionFacts } from '../formats/detection.ts';
import { WindowAggregator, type WindowAggregate } from './aggregates.ts';
import { CaseTracker } from './cases.ts';
import type { ProcessorConfig } from './config.ts';
import { IncidentTracker } from './incident-score.ts';
import { QualityTracker, cloneQuality, type QualityCounters } from './quality.ts';
import { RuleEngine } from './rules/engine.ts';
import { fitSnapshotToRules, PartitionState, SNAPSHOT_VERSION, SnapshotError, type DeltaSnapshot, type PartitionSnapshot, type ProcessorCounters } from './state.ts';
import { validate, type NormalizedTx } from './validate.ts';

export type HeaderBytes = Buffer | string;

// The fields of a @platformatic/kafka Message the processor needs; a Message can be passed as is.
export interface InputRecord {
  partition: number;
  offset: bigint | number;
  timestamp: bigint | number; // record timestamp (ms); event-time fallback for minimal messages
  key: Buffer | null | undefined;
  value: Buffer | null | undefined;
  headers?: Map<HeaderBytes, HeaderBytes> | Iterable<[HeaderBytes, HeaderBytes]>;
}

export const DLQ_HEADERS = {
  reason: 'dlq-reason', // DlqReason code
  message: 'dlq-message',
  topic: 'dlq-topic',
  partition: 'dlq-partition',
  offset: 'dlq-offset',
  timestamp: 'dlq-timestamp', // record timestamp, ms
  // Only on a dead letter that would not fit the DLQ topic (sinks.ts, fitDeadLetter): the original
  // value's size, and what the value holds instead of it: `truncated` (its first bytes) or `reference`
  // (nothing: the original is at dlq-topic / dlq-partition / dlq-offset).
  originalSize: 'dlq-original-size',
  valueStored: 'dlq-value-stored',
} as const;

// A record for bank_alerts_dlq: the original key and value, untouched, plus why and where from.
export interface DlqRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface ProcessResult {
  skipped: boolean; // offset below nextOffset: already reflected in the restored state, nothing to do
  tx: NormalizedTx | null;
  alerts: Alert[]; // for bank_alerts_high
  notifications: readonly Alert[]; // for bank_notifications: customer notifications, not fraud
  cases: readonly Case[]; // for bank_cases: the case this transaction opened or updated
  dlq: DlqRecord | null; // for bank_alerts_dlq
  metrics: WindowAggregate[]; // closed windows for bank_metrics, key = partition
  detection: DetectionFacts | null; // for bank_metrics: ground-truth facts of a labelled record (incident-score.ts)
}

// Where a delta checkpoint sits in its chain (DeltaSnapshot).
export interface DeltaChain {
  baseOffset: string;
  previousOffset: string;
  seq: number;
}

export interface RestoreOptions {
  // Ids of alerts, notifications and case updates already produced for records at or after
  // snapshot.nextOffset (read back from their topics by the consume loop). Those are still computed and
  // counted, not returned again.
  emittedAlertIds?: Iterable<string>;
}

// Idle accounts are looked for at most once per minute of event time, and at most 16 times per idle TTL:
// often enough to bound memory (an account lives at most TTL * 17/16), rare enough that the scan over all
// accounts costs nothing per record even when event time runs far faster than wall time (the simulator
// covers minutes of event time per record at its default population).
const SWEEP_INTERVAL_MS = 60_000;
const SWEEPS_PER_TTL = 16;

export class PartitionProcessor {
  readonly partition: number;
  readonly config: ProcessorConfig;
  private readonly engine: RuleEngine;
  private state: PartitionState;
  private quality = new QualityTracker();
  private aggregator: WindowAggregator;
  private next = 0n;
  private watermarkMs: number | null = null;
  private nextSweepMs: number | null = null;
  private counters: ProcessorCounters = emptyCounters();
  private suppress = new Set<string>();
  private readonly cases: CaseTracker;
  private detection: IncidentTracker;

  constructor(partition: number, config: ProcessorConfig) {
    this.partition = partition;
    this.config = config;
    this.cases = new CaseTracker(config);
    this.engine = new RuleEngine(config.rules);
    this.state = new PartitionState(this.engine);
    this.aggregator = new WindowAggregator(partition, config.windowMs, config.latenessMs);
    this.detection = new IncidentTracker(partition, config.scoreWarmupSec * 1000);
  }

  get nextOffset(): bigint {
    return this.next;
  }

  process(record: InputRecord): ProcessResult {
    if (record.partition !== this.partition) {
      throw new RangeError(`record of partition ${record.partition} given to the processor of partition ${this.partition}`);
    }
    const offset = BigInt(record.offset);
    if (offset < this.next) {
      this.counters.skipped++;
      return { skipped: true, tx: null, alerts: [], notifications: NO_ALERTS, cases: NO_CASES, dlq: null, metrics: [], detection: null };
    }
    this.next = offset + 1n;
    this.counters.processed++;

    const recordTs = Number(record.timestamp);
    // Records without a timestamp (-1 in Kafka) fall back to the watermark so they land in a live window.
    const recordMs = Number.isFinite(recordTs) && recordTs >= 0 ? recordTs : (this.watermarkMs ?? 0);
    const result = validate(record.value, { partition: this.partition, offset, timestampMs: recordMs }, this.config.maxMessageBytes);

    let alerts: Alert[] = [];
    let notifications: readonly Alert[] = NO_ALERTS;
    let cases: readonly Case[] = NO_CASES;
    let dlq: DlqRecord | null = null;
    let tx: NormalizedTx | null = null;
    let detection: DetectionFacts | null = null;
    let previousClock: WindowAggregate[] = [];
    if (result.ok) {
      tx = result.tx;
      const eventMs = tx.timestampMs;
      if (this.watermarkMs !== null && this.watermarkMs - eventMs > this.config.clockResetMs) previousClock = this.newClock();
      this.watermarkMs = Math.max(this.watermarkMs ?? eventMs, eventMs);
      const outcome = this.state.apply(tx, this.watermarkMs);
      const raw = labelHeader(record.headers);
      const label = raw === null || typeof raw === 'string' ? raw : raw.toString('utf8');
      const rawIncident = label === null ? null : headerBytes(record.headers, SIM_INCIDENT_HEADER, SIM_INCIDENT_BYTES);
      const incident = rawIncident === null || typeof rawIncident === 'string' ? rawIncident : rawIncident.toString('utf8');
      const delta = this.quality.observe(tx.accountId, eventMs, label, incident, outcome.alerts.length === 0 ? NO_RULES : outcome.alerts.map((a) => a.rule));
      this.aggregator.addTransaction(eventMs, tx.type, tx.amountCents, outcome.alerts, delta, tx.currency);
      this.counters.valid++;
      this.counters.alerts += outcome.alerts.length;
      this.counters.notifications += outcome.notifications.length;
      alerts = this.withoutSuppressed(outcome.alerts);
      if (outcome.notifications.length > 0) notifications = this.withoutSuppressed(outcome.notifications);
      let published: Case | null = null;
      if (outcome.alerts.length > 0) {
        const risk = this.cases.score(outcome.alerts);
        for (const a of outcome.alerts) a.risk_score = risk;
        published = this.cases.observe(tx, outcome.alerts, this.partition);
        if (published !== null) {
          this.counters.cases++;
          if (!this.suppress.delete(caseUpdateId(published))) cases = [published];
          else this.counters.suppressed++;
        }
      }
      // Ground truth only comes with the simulator's records: a real feed stops at the label lookup.
      if (label !== null) detection = this.detection.observe(tx, offset, label, incident, published === null ? NO_CASES : [published]);
    } else {
      // A bad record has no trustworthy event time, and its record timestamp may run on a different clock
      // than the transactions' (simulated time): letting it move the watermark could close every window
      // and evict every account. It counts in the window holding the watermark instead, or, before the
      // first valid record, in a window of its own (see WindowAggregator.addDlq).
      this.aggregator.addDlq(this.watermarkMs, result.reason, recordMs);
      this.counters.dlq++;
      this.counters.dlqByReason[result.reason] = (this.counters.dlqByReason[result.reason] ?? 0) + 1;
      dlq = {
        key: record.key ?? null,
        value: record.value ?? null,
        headers: {
          [DLQ_HEADERS.reason]: result.reason,
          [DLQ_HEADERS.message]: result.message,
          [DLQ_HEADERS.topic]: TOPICS.transactions,
          [DLQ_HEADERS.partition]: String(this.partition),
          [DLQ_HEADERS.offset]: String(offset),
          [DLQ_HEADERS.timestamp]: String(recordMs),
        },
      };
    }

    const advanced = this.watermarkMs === null ? [] : this.aggregator.advance(this.watermarkMs);
    const metrics = previousClock.length === 0 ? advanced : [...previousClock, ...advanced];
    this.sweep();
    return { skipped: false, tx, alerts, notifications, cases, dlq, metrics, detection };
  }

  // Event time went back by more than clockResetMs: not a straggler (those are milliseconds to minutes
  // late) but another clock, a new bank whose time is behind this partition's (say, after one that ran
  // --speed 60). Counting it late would put every record in the old clock's newest window and hold every
  // window open until the new clock caught up, for hours. So the old clock ends: its open windows go out
  // now, its accounts and remembered transaction ids (the new bank's ids may repeat them) are dropped,
  // and the watermark starts again from this record. Decided from the records alone, so a replay does
  // the same.
  private newClock(): WindowAggregate[] {
    const closed = this.aggregator.flush();
    this.aggregator = new WindowAggregator(this.partition, this.config.windowMs, this.config.latenessMs);
    this.state = new PartitionState(this.engine);
    this.watermarkMs = null;
    this.nextSweepMs = null;
    return closed;
  }

  // For the idle timer: the open windows (and held dead letters) that changed since last shown, as they
  // stand. Nothing closes, so where a record counts depends on the records alone (WindowAggregator).
  idleWindows(): WindowAggregate[] {
    return this.aggregator.shown();
  }

  // Every open window, for shutdown or revocation (see WindowAggregator.flush).
  flush(): WindowAggregate[] {
    return this.aggregator.flush();
  }

  // For an idle partition and at shutdown: its detection summary as of now, when labelled records were
  // seen and the last facts did not already say it.
  detectionSummary(): DetectionFacts | null {
    return this.next === 0n ? null : this.detection.summary(this.next - 1n);
  }

  stats(): ProcessorCounters & { accounts: number; rememberedIds: number; openEpisodes: number } {
    return {
      ...this.counters,
      dlqByReason: { ...this.counters.dlqByReason },
      accounts: this.state.accounts.size,
      rememberedIds: this.state.seen.size,
      openEpisodes: this.quality.episodes.size,
    };
  }

  // Alerts the restore said were already produced that have not been recomputed yet.
  get pendingSuppressions(): number {
    return this.suppress.size;
  }

  // Quality counters since the partition's first record (carried across restores).
  qualityTotals(): QualityCounters {
    return cloneQuality(this.quality.totals);
  }

  // State as of nextOffset, as a copy later records leave alone. Episode states are replaced, never
  // changed, by the tracker, so they are shared; accounts (changed in place by the rules) and the open
  // windows are copied.
  snapshot(): PartitionSnapshot {
    return this.withEngine(this.state.toSnapshot(), this.detection.toSnapshot());
  }

  // For the checkpoint's choice between a full snapshot and a delta: the accounts a delta would carry
  // (null: only a full snapshot can describe the state, as after a restore or a new clock), and the
  // accounts a full snapshot holds.
  checkpointSize(): { changed: number | null; accounts: number } {
    return { changed: this.state.changedAccounts, accounts: this.state.accounts.size };
  }

  // A checkpoint's snapshot: full (chain null) or the delta that continues `chain` (checkpointSize said
  // one is possible). Changes are counted from here on, so every checkpoint taken must be stored or the
  // partition given up: a delta after a lost one would miss its changes.
  takeCheckpoint(chain: DeltaChain | null): PartitionSnapshot | DeltaSnapshot {
    if (chain === null) return this.withEngine(this.state.takeCheckpoint(false), this.detection.takeCheckpoint(false));
    return { ...this.withEngine(this.state.takeCheckpoint(true), this.detection.takeCheckpoint(true)), kind: 'delta', ...chain };
  }

  private withEngine<E, D>(engine: E, detection: D): Omit<PartitionSnapshot, 'engine' | 'detection'> & { engine: E; detection: D } {
    return {
      version: SNAPSHOT_VERSION,
      partition: this.partition,
      nextOffset: String(this.next),
      watermarkMs: this.watermarkMs,
      nextSweepMs: this.nextSweepMs,
      engine,
      cases: this.cases.toSnapshot(),
      quality: this.quality.toSnapshot(),
      detection,
      aggregates: this.aggregator.toSnapshot(),
      counters: { ...this.counters, dlqByReason: { ...this.counters.dlqByReason } },
    };
  }

  // Replaces all state with the snapshot's (one of the current version: decodeSnapshot upgrades older
  // ones), fitted to this processor's rules. The caller then fetches from nextOffset.
  restore(stored: PartitionSnapshot, options: RestoreOptions = {}): void {
    if (stored.version !== SNAPSHOT_VERSION) throw new SnapshotError(`snapshot version ${String(stored.version)}, expected ${SNAPSHOT_VERSION}`);
    if (stored.partition !== this.partition) {
      throw new SnapshotError(`snapshot of partition ${stored.partition} cannot restore partition ${this.partition}`);
    }
    const snapshot = fitSnapshotToRules(stored, this.engine);
    this.state = PartitionState.fromSnapshot(this.engine, snapshot.engine);
    this.quality = QualityTracker.fromSnapshot(snapshot.quality);
    // A snapshot from before detection facts existed: the partition's scoring starts here.
    const warmupMs = this.config.scoreWarmupSec * 1000;
    this.detection = snapshot.detection === undefined ? new IncidentTracker(this.partition, warmupMs) : IncidentTracker.fromSnapshot(this.partition, warmupMs, snapshot.detection);
    this.cases.restore(snapshot.cases);
    this.aggregator = WindowAggregator.fromSnapshot(this.partition, this.config.windowMs, this.config.latenessMs, snapshot.aggregates);
    this.next = BigInt(snapshot.nextOffset);
    this.watermarkMs = snapshot.watermarkMs;
    this.nextSweepMs = snapshot.nextSweepMs;
    this.counters = { ...snapshot.counters, dlqByReason: { ...snapshot.counters.dlqByReason } };
    this.suppress = new Set(options.emittedAlertIds ?? []);
  }

  private withoutSuppressed<A extends readonly Alert[]>(alerts: A): A {
    if (this.suppress.size === 0 || alerts.length === 0) return alerts;
    return alerts.filter((a) => {
      if (!this.suppress.delete(a.id)) return true;
      this.counters.suppressed++;
      return false;
    }) as unknown as A;
  }

  // Event-time driven, so a replay evicts exactly when the original run did.
  private sweep(): void {
    if (this.watermarkMs === null) return;
    if (this.nextSweepMs === null) {
      this.nextSweepMs = this.watermarkMs + this.sweepIntervalMs();
      return;
    }
    if (this.watermarkMs < this.nextSweepMs) return;
    const cutoff = this.watermarkMs - this.config.accountIdleTtlSec * 1000;
    this.counters.evictedAccounts += this.state.evictIdle(cutoff);
    this.quality.evictIdle(cutoff);
    this.detection.evictIdle(cutoff);
    this.cases.evictIdle(this.watermarkMs);
    this.nextSweepMs = this.watermarkMs + this.sweepIntervalMs();
  }

  private sweepIntervalMs(): number {
    return Math.max(SWEEP_INTERVAL_MS, (this.config.accountIdleTtlSec * 1000) / SWEEPS_PER_TTL);
  }
}

function emptyCounters(): ProcessorCounters {
  return { processed: 0, valid: 0, dlq: 0, dlqByReason: {}, alerts: 0, notifications: 0, cases: 0, skipped: 0, suppressed: 0, evictedAccounts: 0 };
}

const SIM_LABEL_BYTES = Buffer.from(SIM_LABEL_HEADER);
export const SIM_INCIDENT_BYTES = Buffer.from(SIM_INCIDENT_HEADER);
const NO_RULES: readonly RuleName[] = [];
const NO_ALERTS: readonly Alert[] = Object.freeze([]);
const NO_CASES: readonly Case[] = Object.freeze([]);

// The simulator's label header as the record carries it: bytes from the Kafka client (keys compared as
// bytes, without decoding each one), a string from tests. null when absent.
export function labelHeader(headers: InputRecord['headers']): HeaderBytes | null {
  return headerBytes(headers, SIM_LABEL_HEADER, SIM_LABEL_BYTES);
}

// A header's value as the record carries it, its name given as text and as bytes; null when absent.
export function headerBytes(headers: InputRecord['headers'], name: string, nameBytes: Buffer): HeaderBytes | null {
  if (headers === undefined) return null;
  for (const [k, v] of headers) {
    if (typeof k === 'string' ? k === name : sameBytes(k, nameBytes)) return v;
  }
  return null;
}

// Any header's value as text, null when absent: for readers off the hot path (the backtest).
export function headerText(headers: InputRecord['headers'], name: string): string | null {
  if (headers === undefined) return null;
  for (const [k, v] of headers) {
    if ((typeof k === 'string' ? k : k.toString('utf8')) === name) return typeof v === 'string' ? v : v.toString('utf8');
  }
  return null;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
