// The page's copy of the dashboard state, updated from event-stream messages. Pure (no DOM), so the
// reducer is tested under node. Rendering reads it at most once per animation frame, so however many
// messages arrive while a tab is busy or hidden, only the latest state is ever drawn.
import type { Alert } from '../../formats/alert.ts';
import type { Case } from '../../formats/case.ts';
import { compareCases } from '../case-store.ts';
import type { BucketView, GroupsView, RangeName, SeriesView, StreamMessage, SummaryView, TopicsView } from '../views.ts';

export const MAX_ALERTS = 50; // rows in the alert feed
export const MAX_CASES = 100; // rows in the case queue
export const MAX_NOTIFICATIONS = 50; // rows in the notifications feed
// The server pushes at least once per cluster poll (2 s by default) while it is up, so this long without a
// message means the dashboard or its reader is stuck even if the connection looks open.
export const STALE_AFTER_MS = 10_000;

// One range of the amount chart as the page holds it: the shape of the latest view, its buckets by start.
export interface SeriesState {
  bucketMs: number;
  fromMs: number;
  toMs: number;
  headMs: number | null;
  currency: string;
  buckets: Map<number, BucketView>;
}

export interface PageState {
  seq: number;
  series: Partial<Record<RangeName, SeriesState>>;
  alerts: Alert[]; // newest first
  droppedAlerts: number; // alerts the feed skipped because they came faster than it shows them
  cases: Case[]; // the top of the queue, in queue order (compareCases)
  notifications: Alert[]; // newest first
  summary: SummaryView | null;
  topics: TopicsView | null;
  groups: GroupsView | null;
}

export function emptyState(): PageState {
  return { seq: 0, series: {}, alerts: [], droppedAlerts: 0, cases: [], notifications: [], summary: null, topics: null, groups: null };
}

export function applyMessage(state: PageState, message: StreamMessage): void {
  state.seq = message.seq;
  state.summary = message.summary;
  for (const view of message.series) applySeries(state, view);
  if (message.type === 'snapshot') {
    state.alerts = message.alerts.slice(0, MAX_ALERTS);
    state.droppedAlerts = 0;
    state.cases = message.cases.slice(0, MAX_CASES);
    state.notifications = message.notifications.slice(0, MAX_NOTIFICATIONS);
    state.topics = message.topics;
    state.groups = message.groups;
  } else {
    if (message.alerts.length > 0) {
      const seen = new Set(message.alerts.map((a) => a.id));
      state.alerts = [...message.alerts, ...state.alerts.filter((a) => !seen.has(a.id))].slice(0, MAX_ALERTS);
    }
    state.droppedAlerts += message.droppedAlerts;
    if (message.cases.length > 0) state.cases = mergeCases(state.cases, message.cases);
    if (message.notifications.length > 0) {
      const seen = new Set(message.notifications.map((n) => n.id));
      state.notifications = [...message.notifications, ...state.notifications.filter((n) => !seen.has(n.id))].slice(0, MAX_NOTIFICATIONS);
    }
    if (message.topics !== null) state.topics = message.topics;
    if (message.groups !== null) state.groups = message.groups;
  }
}

// The queue with changed cases in: a newer version replaces the one held, an older one is ignored.
function mergeCases(held: Case[], changed: Case[]): Case[] {
  const byId = new Map(held.map((c) => [c.case_id, c]));
  for (const c of changed) {
    const old = byId.get(c.case_id);
    if (old === undefined || old.version < c.version) byId.set(c.case_id, c);
  }
  return [...byId.values()].sort(compareCases).slice(0, MAX_CASES);
}

function applySeries(state: PageState, view: SeriesView): void {
  const held = state.series[view.range];
  const buckets = view.full || held === undefined ? new Map<number, BucketView>() : held.buckets;
  for (const b of view.buckets) {
    if (Object.keys(b.byType).length === 0) buckets.delete(b.startMs);
    else buckets.set(b.startMs, b);
  }
  for (const start of buckets.keys()) if (start < view.fromMs || start >= view.toMs) buckets.delete(start);
  state.series[view.range] = { bucketMs: view.bucketMs, fromMs: view.fromMs, toMs: view.toMs, headMs: view.headMs, currency: view.currency, buckets };
}

// Every bucket of a range in order, null for the gaps (no transactions).
export function seriesPoints(series: SeriesState): Array<{ startMs: number; bucket: BucketView | null }> {
  const out: Array<{ startMs: number; bucket: BucketView | null }> = [];
  for (let start = series.fromMs; start < series.toMs; start += series.bucketMs) out.push({ startMs: start, bucket: series.buckets.get(start) ?? null });
  return out;
}

// Whether what the page shows is out of date: the stream is down, or silent for STALE_AFTER_MS. Before the
// first message there is nothing to be stale (the status says "connecting").
export function isStale(connected: boolean, lastMessageAtMs: number | null, nowMs: number): boolean {
  return lastMessageAtMs !== null && (!connected || nowMs - lastMessageAtMs > STALE_AFTER_MS);
}
