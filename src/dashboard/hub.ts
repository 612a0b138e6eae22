// The dashboard's state and its fan-out to event-stream clients.
//
// Inputs (windows, alerts, cluster views) arrive at whatever rate the topics deliver them; clients get at
// most one message per `minPushIntervalMs` (100 ms: 10 a second). A change marks the state dirty and
// schedules one push for the earliest allowed time; everything else that changes before that push rides
// along. A push carries only what changed (merged windows by start, the newest alerts, the summary), so
// its size depends on the number of partitions and the push rate, never on the transaction rate.
import type { Alert } from '../formats/alert.ts';
import type { WindowAggregate } from '../formats/metrics-window.ts';
import { summarizeQuality } from '../processor/quality.ts';
import type { GroupsView, ReaderStats, SnapshotMessage, SummaryView, TopicsView, UpdateMessage } from './views.ts';
import { DEFAULT_MAX_WINDOWS, WindowStore } from './window-store.ts';

export interface HubOptions {
  maxWindows?: number; // window starts kept (seconds of history with 1 s windows)
  chartWindows?: number; // windows sent in a snapshot, i.e. the span of the page's time chart
  alertCapacity?: number; // alerts kept for /api/alerts and snapshots
  alertsPerPush?: number; // newest alerts carried by one update
  minPushIntervalMs?: number;
  now?: () => number; // wall clock for generatedAtMs; pushes are paced by the monotonic clock
}

export const DEFAULT_HUB_OPTIONS = {
  maxWindows: DEFAULT_MAX_WINDOWS,
  chartWindows: 120,
  alertCapacity: 1000,
  alertsPerPush: 50,
  minPushIntervalMs: 100,
} as const;

// Ring of the newest alerts with de-duplication by id: a processor replaying after a crash re-creates
// the same alert ids (src/processor/alert.ts), and the feed should show each alert once.
export class AlertFeed {
  readonly capacity: number;
  private readonly ring: Array<Alert | undefined>;
  private next = 0; // slot the next alert goes to
  private count = 0;
  private readonly ids = new Set<string>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`alert capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.ring = new Array<Alert | undefined>(capacity);
  }

  // false when the alert is already in the feed.
  add(alert: Alert): boolean {
    if (this.ids.has(alert.id)) return false;
    const old = this.ring[this.next];
    if (old !== undefined) this.ids.delete(old.id);
    this.ring[this.next] = alert;
    this.ids.add(alert.id);
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
    return true;
  }

  // Newest first.
  recent(limit: number): Alert[] {
    const out: Alert[] = [];
    const n = Math.min(limit, this.count);
    for (let i = 1; i <= n; i++) out.push(this.ring[(this.next - i + this.capacity) % this.capacity] as Alert);
    return out;
  }

  get size(): number {
    return this.count;
  }
}

export type HubListener = (message: UpdateMessage) => void;

export class Hub {
  readonly windows: WindowStore;
  readonly alerts: AlertFeed;
  readonly reader: ReaderStats = { windowsRead: 0, alertsRead: 0, invalidRecords: 0, lastRecordAtMs: null, error: null };
  pushes = 0;
  private readonly options: Required<Omit<HubOptions, 'now'>>;
  private readonly now: () => number;
  private readonly listeners = new Set<HubListener>();
  private topics: TopicsView = { updatedAtMs: null, clusterId: null, controllerId: null, brokers: [], topics: [], error: null };
  private groups: GroupsView = { updatedAtMs: null, groups: [], error: null };
  private seq = 0;
  private lastPushAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  // Changes since the last push.
  private dirty = false;
  private readonly dirtyStarts = new Set<number>();
  private pendingAlerts: Alert[] = [];
  private droppedAlerts = 0;
  private topicsChanged = false;
  private groupsChanged = false;

  constructor(options: HubOptions = {}) {
    this.options = { ...DEFAULT_HUB_OPTIONS, ...withoutUndefined(options) };
    this.now = options.now ?? Date.now;
    this.windows = new WindowStore(this.options.maxWindows);
    this.alerts = new AlertFeed(this.options.alertCapacity);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  // reportedAtMs: wall-clock time the window was published (its record timestamp), default now; capped
  // at now, so a processor whose clock runs ahead cannot keep its partitions "reporting" after it stops.
  addWindow(w: WindowAggregate, reportedAtMs = this.now()): void {
    const result = this.windows.add(w, Math.min(reportedAtMs, this.now()));
    if (result.stored) this.dirtyStarts.add(result.startMs);
    this.markDirty();
  }

  addAlert(alert: Alert): void {
    if (!this.alerts.add(alert)) return;
    this.pendingAlerts.push(alert);
    // Only the newest alertsPerPush are sent; the rest are counted so the page can say so.
    if (this.pendingAlerts.length > 2 * this.options.alertsPerPush) {
      const drop = this.pendingAlerts.length - this.options.alertsPerPush;
      this.droppedAlerts += drop;
      this.pendingAlerts = this.pendingAlerts.slice(drop);
    }
    this.markDirty();
  }

  setTopics(view: TopicsView): void {
    this.topics = view;
    this.topicsChanged = true;
    this.markDirty();
  }

  setGroups(view: GroupsView): void {
    this.groups = view;
    this.groupsChanged = true;
    this.markDirty();
  }

  // Reader progress changes the summary; pushed with the next change, never on its own.
  touchReader(): void {
    this.markDirty();
  }

  topicsView(): TopicsView {
    return this.topics;
  }

  groupsView(): GroupsView {
    return this.groups;
  }

  summary(): SummaryView {
    const quality = this.windows.quality();
    return {
      generatedAtMs: this.now(),
      totals: this.windows.totalsView(this.now()),
      quality: quality.labeled === 0 ? null : { labeled: quality.labeled, positives: quality.positives, episodes: quality.episodes, byRule: summarizeQuality(quality) },
      reader: { ...this.reader },
    };
  }

  snapshot(): SnapshotMessage {
    return {
      type: 'snapshot',
      seq: this.seq,
      windows: this.windows.recent(this.options.chartWindows),
      alerts: this.alerts.recent(this.options.alertsPerPush),
      summary: this.summary(),
      topics: this.topics,
      groups: this.groups,
    };
  }

  subscribe(listener: HubListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.timer !== null || this.closed) return;
    this.schedule(this.lastPushAt + this.options.minPushIntervalMs - performance.now());
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.ceil(delayMs)));
    // The hub never keeps a process alive on its own; the server and reader do.
    this.timer.unref();
  }

  private flush(): void {
    this.timer = null;
    if (!this.dirty || this.closed) return;
    // Timers run on the event loop's cached clock and may fire a little early; the interval is a promise.
    const wait = this.lastPushAt + this.options.minPushIntervalMs - performance.now();
    if (wait > 0) {
      this.schedule(wait);
      return;
    }
    // The page only charts the newest chartWindows, so older changed windows (a processor catching up)
    // reach it through totals and the next snapshot, not one by one.
    const starts = [...this.dirtyStarts].sort((a, b) => a - b).slice(-this.options.chartWindows);
    const message: UpdateMessage = {
      type: 'update',
      seq: ++this.seq,
      windows: [],
      alerts: this.pendingAlerts.slice(-this.options.alertsPerPush).reverse(),
      droppedAlerts: this.droppedAlerts + Math.max(0, this.pendingAlerts.length - this.options.alertsPerPush),
      summary: this.summary(),
      topics: this.topicsChanged ? this.topics : null,
      groups: this.groupsChanged ? this.groups : null,
    };
    for (const start of starts) {
      const v = this.windows.view(start);
      if (v !== undefined) message.windows.push(v);
    }
    this.dirty = false;
    this.dirtyStarts.clear();
    this.pendingAlerts = [];
    this.droppedAlerts = 0;
    this.topicsChanged = false;
    this.groupsChanged = false;
    this.pushes++;
    // Taken after building the message, so the interval holds between deliveries, however long a
    // build took under load.
    this.lastPushAt = performance.now();
    for (const listener of this.listeners) listener(message);
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'now')) as Partial<T>;
}
