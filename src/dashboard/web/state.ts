// The page's copy of the dashboard state, updated from event-stream messages. Pure (no DOM), so the
// reducer is tested under node. Rendering reads it at most once per animation frame, so however many
// messages arrive while a tab is busy or hidden, only the latest state is ever drawn.
import type { Alert } from '../../formats/alert.ts';
import type { GroupsView, StreamMessage, SummaryView, TopicsView, WindowView } from '../views.ts';

export const MAX_WINDOWS = 120; // seconds on the time chart
export const MAX_ALERTS = 50; // rows in the alert feed
// The server pushes at least once per cluster poll (2 s by default) while it is up, so this long without a
// message means the dashboard or its reader is stuck even if the connection looks open.
export const STALE_AFTER_MS = 10_000;

export interface PageState {
  seq: number;
  windows: Map<number, WindowView>; // by startMs
  alerts: Alert[]; // newest first
  droppedAlerts: number; // alerts the feed skipped because they came faster than it shows them
  summary: SummaryView | null;
  topics: TopicsView | null;
  groups: GroupsView | null;
}

export function emptyState(): PageState {
  return { seq: 0, windows: new Map(), alerts: [], droppedAlerts: 0, summary: null, topics: null, groups: null };
}

export function applyMessage(state: PageState, message: StreamMessage): void {
  state.seq = message.seq;
  state.summary = message.summary;
  if (message.type === 'snapshot') {
    state.windows = new Map(message.windows.map((w) => [w.startMs, w]));
    state.alerts = message.alerts.slice(0, MAX_ALERTS);
    state.droppedAlerts = 0;
    state.topics = message.topics;
    state.groups = message.groups;
  } else {
    for (const w of message.windows) state.windows.set(w.startMs, w);
    if (message.alerts.length > 0) {
      const seen = new Set(message.alerts.map((a) => a.id));
      state.alerts = [...message.alerts, ...state.alerts.filter((a) => !seen.has(a.id))].slice(0, MAX_ALERTS);
    }
    state.droppedAlerts += message.droppedAlerts;
    if (message.topics !== null) state.topics = message.topics;
    if (message.groups !== null) state.groups = message.groups;
  }
  trimWindows(state.windows);
}

// Whether what the page shows is out of date: the stream is down, or silent for STALE_AFTER_MS. Before the
// first message there is nothing to be stale (the status says "connecting").
export function isStale(connected: boolean, lastMessageAtMs: number | null, nowMs: number): boolean {
  return lastMessageAtMs !== null && (!connected || nowMs - lastMessageAtMs > STALE_AFTER_MS);
}

// Oldest first, at most MAX_WINDOWS.
export function sortedWindows(state: PageState): WindowView[] {
  return [...state.windows.values()].sort((a, b) => a.startMs - b.startMs);
}

function trimWindows(windows: Map<number, WindowView>): void {
  if (windows.size <= MAX_WINDOWS) return;
  const starts = [...windows.keys()].sort((a, b) => a - b);
  for (const start of starts.slice(0, starts.length - MAX_WINDOWS)) windows.delete(start);
}
