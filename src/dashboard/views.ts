// What the dashboard server sends to the page (event stream) and to API clients: plain JSON, shared by
// src/dashboard (producer side) and src/dashboard/web (the page), so the two cannot drift apart. Amounts
// stay integer cents like everywhere else; the page formats them.
import type { TransactionType } from '../bank/transaction.ts';
import type { Alert } from '../formats/alert.ts';
import type { Case } from '../formats/case.ts';
import type { RelatedCase } from './case-store.ts';
import type { ScoreTable } from '../processor/incident-score.ts';
import type { QualityKey, RuleQualitySummary } from '../processor/quality.ts';

export interface TypeView {
  count: number;
  sumCents: number;
  avgCents: number;
  maxCents: number;
}

// The amount chart's ranges: the last 5 minutes or hour of event time, or all the history kept.
export const RANGES = ['5m', '1h', 'all'] as const;
export type RangeName = (typeof RANGES)[number];

export interface AmountStats {
  count: number;
  sumCents: number;
  maxCents: number;
}

// One bucket of event time [startMs, startMs + SeriesView.bucketMs), merged over partitions.
export interface BucketView {
  startMs: number;
  currency: string; // ISO 4217 code of its transactions, 'mixed', or '' for none (an update's removal)
  byType: Partial<Record<TransactionType, AmountStats>>;
}

// A range of the amount chart: buckets of bucketMs from fromMs up to toMs, the end of the bucket holding
// the event clock's head. Buckets without transactions are left out: gaps.
export interface SeriesView {
  range: RangeName;
  bucketMs: number;
  fromMs: number;
  toMs: number;
  headMs: number | null; // end of the newest data (ClockView.headMs); the bucket holding it is still filling
  currency: string; // of the buckets in view: an ISO 4217 code, 'mixed', or '' with none
  // true: the whole range (snapshots, /api/series, and updates after the bucket width changed or the clock
  // went back); false: the buckets that changed (an empty byType removes one), and the page drops what is
  // now outside [fromMs, toMs).
  full: boolean;
  buckets: BucketView[];
}

// Event time as the windows show it (src/dashboard/event-clock.ts).
export interface ClockView {
  headMs: number | null; // end of the newest window of the current event clock; null before any window
  speed: number | null; // event-time seconds per wall-clock second over the last minute; null until measured
  simulated: boolean; // event time runs ahead of and faster than the wall clock: a simulation's fast-forward
}

// One second (windowMs) of event time, merged over every partition reported so far.
export interface WindowView {
  startMs: number;
  windowMs: number;
  partitions: number; // how many source partitions have reported this window
  records: number;
  dlq: number;
  late: number;
  alerts: number;
  byType: Partial<Record<TransactionType, TypeView>>;
}

export interface TypeTotals {
  count: number;
  sumCents: number;
  minCents: number;
  maxCents: number;
}

export interface TotalsView {
  sinceMs: number | null; // start of the oldest window counted (history rebuilt from bank_metrics)
  untilMs: number | null; // end of the newest window counted
  records: number;
  valid: number;
  dlq: number;
  late: number;
  byType: Partial<Record<TransactionType, TypeTotals>>;
  alertsByRule: Record<string, number>;
  alertsBySeverity: Record<string, number>;
  dlqByReason: Record<string, number>;
  throughputPerSec: number; // records per second of event time over the last complete windows
  partitions: number[]; // source partitions that published a window in the last REPORTING_SPAN_MS (wall clock)
}

export interface QualityView {
  labeled: number;
  positives: number;
  episodes: number;
  byRule: Record<QualityKey, RuleQualitySummary>;
}

// What the page and /api/detection say while no facts were read: a real bank feed carries no ground truth.
export const DETECTION_NEEDS_LABELS = 'Detection quality needs labelled (simulated) data: records with the simulator\'s sim-label and sim-incident headers.';

// Detection scored per incident and per case against the simulator's ground truth, merged from every
// partition's detection facts in bank_metrics (src/processor/incident-score.ts has the definitions).
export interface DetectionView {
  table: ScoreTable; // overall figures and byScenario
  warmUntilMs: number | null; // event time before which nothing is scored (the earliest partition's warm-up end)
  partitions: number[]; // source partitions that reported facts
  facts: number; // facts records merged (repeats included)
  partial: boolean; // bank_metrics was not read from its start (a restarted dashboard's history): older facts are missing
}

export interface SummaryView {
  generatedAtMs: number; // the dashboard server's wall clock
  clock: ClockView;
  totals: TotalsView;
  quality: QualityView | null; // null until labelled records (simulator ground truth) were counted
  detection: DetectionView | null; // null until detection facts (labelled records) were read
  reader: ReaderStats;
}

export interface ReaderStats {
  windowsRead: number;
  alertsRead: number;
  casesRead: number; // case publications (every version)
  notificationsRead: number;
  detectionFactsRead: number; // bank_metrics records of detection facts
  invalidRecords: number;
  lastRecordAtMs: number | null; // wall clock
  error: string | null; // last problem reaching the topics, cleared on success
}

export interface PartitionOffsets {
  partition: number;
  leader: number;
  earliest: string; // offsets as decimal strings: int64 does not fit a JSON number
  latest: string;
  messages: string;
}

export interface TopicView {
  name: string;
  partitions: PartitionOffsets[];
  messages: string;
  ratePerSec: number | null; // messages appended per wall-clock second, over the last polls
}

export interface BrokerView {
  nodeId: number;
  host: string;
  port: number;
}

export interface TopicsView {
  updatedAtMs: number | null;
  clusterId: string | null;
  controllerId: number | null;
  brokers: BrokerView[];
  topics: TopicView[];
  error: string | null;
}

export interface GroupPartitionLag {
  topic: string;
  partition: number;
  committed: string | null; // null: the group has not committed this partition yet
  latest: string;
  lag: string; // latest - committed, or the whole partition when nothing is committed
  owner: string | null; // clientId of the member assigned this partition
}

export interface GroupView {
  groupId: string;
  state: string;
  protocol: string;
  members: number;
  totalLag: string;
  ratePerSec: number | null; // committed offsets' progress per wall-clock second: records processed
  partitions: GroupPartitionLag[];
}

export interface GroupsView {
  updatedAtMs: number | null;
  groups: GroupView[];
  error: string | null;
}

// Event-stream messages. `snapshot` is the whole state (first message of every connection, and again
// after a client fell behind); `update` carries what changed since the previous push.
export interface SnapshotMessage {
  type: 'snapshot';
  seq: number;
  series: SeriesView[]; // every range, full
  alerts: Alert[]; // newest first
  cases: Case[]; // the top of the case queue (CaseStore.queue order)
  notifications: Alert[]; // newest first
  summary: SummaryView;
  topics: TopicsView;
  groups: GroupsView;
}

export interface UpdateMessage {
  type: 'update';
  seq: number;
  series: SeriesView[]; // the ranges that changed
  alerts: Alert[]; // new since the last push, newest first
  droppedAlerts: number; // new alerts not sent because more arrived than one push carries
  cases: Case[]; // opened or updated since the last push, each as it is now
  notifications: Alert[]; // new since the last push, newest first
  summary: SummaryView;
  topics: TopicsView | null; // null: unchanged
  groups: GroupsView | null;
}

// One transaction of an account as bank_alerts holds it (GET /api/cases/:id), amounts in cents.
export interface TransactionView {
  transactionId: string;
  timestampMs: number; // event time
  type: TransactionType;
  amountCents: number;
  balanceCents: number | null;
  currency: string | null;
  channel: string | null;
  counterpartyId: string | null;
  merchantCategory: string | null;
  status: string;
  offset: string; // in its bank_alerts partition
}

// A case with what explains it: its alerts (those the dashboard still holds, oldest first) and the
// account's transactions around it, read from bank_alerts within a bounded span (TransactionLookup).
export interface CaseDetailView {
  case: Case;
  alerts: Alert[];
  missingAlertIds: string[]; // alerts of the case no longer (or not yet) held
  related: RelatedCase[]; // other held cases on its linked accounts, or naming its account (CaseStore.related)
  transactions: {
    partition: number;
    fromOffset: string | null; // the offsets read; null when nothing could be read
    toOffset: string | null;
    scanned: number; // records read to find them
    items: TransactionView[]; // newest first
    error: string | null;
  };
}

export type StreamMessage = SnapshotMessage | UpdateMessage;
