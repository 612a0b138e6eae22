// The dashboard's state and its fan-out to event-stream clients.
//
// Inputs (windows, alerts, cluster views) arrive at whatever rate the topics deliver them; clients get at
// most one message per `minPushIntervalMs` (100 ms: 10 a second). A change marks the state dirty and
// schedules one push for the earliest allowed time; everything else that changes before that push rides
// along. A push carries only what changed (the amount chart's buckets, the newest alerts, the summary), so
// its size depends on the push rate, never on the transaction rate.
//
// The amount chart's ranges are worked out whole at each push that follows a new window (a few hundred
// buckets), and compared with what the previous push sent: the update carries the buckets that differ,
// or the whole range when its bucket width changed or the clock went back.
import type { Alert } from '../formats/alert.ts';
import type { Case } from '../formats/case.ts';
import type { WindowAggregate } from '../formats/metrics-window.ts';
import type { DetectionFacts } from '../formats/detection.ts';
import { IncidentBoard } from '../processor/incident-score.ts';
import { summarizeQuality } from '../processor/quality.ts';
import { CaseStore } from './case-store.ts';
import { RANGES, type DetectionView, type GroupsView, type RangeName, type ReaderStats, type SeriesView, type SnapshotMessage, type SummaryView, type TopicsView, type UpdateMessage } from './views.ts';
import { DEFAULT_MAX_WINDOWS, WindowStore } from './window-store.ts';

export interface HubOptions {
  maxWindows?: number; // window starts kept (seconds of history with 1 s windows)
  alertCapacity?: number; // alerts kept for /api/alerts and snapshots
  alertsPerPush?: number; // newest alerts carried by one update
  caseCapacity?: number; // cases kept (latest version of each) for /api/cases
  casesPerPush?: number; // top of the queue in a snapshot, and changed cases carried by one update
  notificationCapacity?: number; // notifications kept for /api/notifications
  minPushIntervalMs?: number;
  now?: () => number; // wall clock for generatedAtMs; pushes are paced by the monotonic clock
}

export const DEFAULT_HUB_OPTIONS = {
  maxWindows: DEFAULT_MAX_WINDOWS,
  // Enough to hold the alerts of the cases shown: a case view lists its alerts from here.
  alertCapacity: 5000,
  alertsPerPush: 50,
  caseCapacity: 2000,
  casesPerPush: 100,
  notificationCapacity: 1000,
  minPushIntervalMs: 100,
} as const;

// Ring of the newest alerts with de-duplication by id: a processor replaying after a crash re-creates
// the same alert ids (src/processor/alert.ts), and the feed should show each alert once.
export class AlertFeed {
  readonly capacity: number;
  private readonly ring: Array<Alert | undefined>;
  private next = 0; // slot the next alert goes to
  private count = 0;
  private readonly byId = new Map<string, Alert>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`alert capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.ring = new Array<Alert | undefined>(capacity);
  }

  // false when the alert is already in the feed.
  add(alert: Alert): boolean {
    if (this.byId.has(alert.id)) return false;
    const old = this.ring[this.next];
    if (old !== undefined) this.byId.delete(old.id);
    this.ring[this.next] = alert;
    this.byId.set(alert.id, alert);
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

  get(id: string): Alert | undefined {
    return this.byId.get(id);
  }

  // The account's alerts still held, newest first.
  forAccount(accountId: string, limit: number): Alert[] {
    const out: Alert[] = [];
    for (let i = 1; i <= this.count && out.length < limit; i++) {
      const a = this.ring[(this.next - i + this.capacity) % this.capacity] as Alert;
      if (a.account_id === accountId) out.push(a);
    }
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
  readonly cases: CaseStore;
  readonly notifications: AlertFeed; // customer notifications (low balance, overdraft), in the alert format
  readonly notificationsByRule: Record<string, number> = {}; // distinct notifications seen since start
  readonly reader: ReaderStats = { windowsRead: 0, alertsRead: 0, casesRead: 0, notificationsRead: 0, detectionFactsRead: 0, invalidRecords: 0, lastRecordAtMs: null, error: null };
  pushes = 0;
  private readonly detection = new IncidentBoard();
  private readonly detectionPartitions = new Set<number>();
  private detectionView: DetectionView | null = null; // worked out again after new facts, when asked for
  private detectionPartial = false;
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
  private windowsChanged = false;
  // What the last push said of each range: its shape and each bucket's JSON, to send only what differs.
  private readonly sentSeries = new Map<RangeName, { view: SeriesView; buckets: Map<number, string> }>();
  private pendingAlerts: Alert[] = [];
  private droppedAlerts = 0;
  private readonly pendingCases = new Map<string, Case>(); // latest version of each changed case
  private pendingNotifications: Alert[] = [];
  private topicsChanged = false;
  private groupsChanged = false;

  constructor(options: HubOptions = {}) {
    this.options = { ...DEFAULT_HUB_OPTIONS, ...withoutUndefined(options) };
    this.now = options.now ?? Date.now;
    this.windows = new WindowStore(this.options.maxWindows);
    this.alerts = new AlertFeed(this.options.alertCapacity);
    this.cases = new CaseStore(this.options.caseCapacity);
    this.notifications = new AlertFeed(this.options.notificationCapacity);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  // reportedAtMs: wall-clock time the window was published (its record timestamp), default now; capped
  // at now, so a processor whose clock runs ahead cannot keep its partitions "reporting" after it stops.
  addWindow(w: WindowAggregate, reportedAtMs = this.now()): void {
    this.windows.add(w, Math.min(reportedAtMs, this.now()));
    this.windowsChanged = true;
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

  // Facts of one partition's labelled records (src/formats/detection.ts): merged, whatever their order
  // and however often a restarted processor sends them again.
  addDetection(f: DetectionFacts): void {
    this.detection.apply(f);
    this.detectionPartitions.add(f.partition);
    this.detectionView = null;
    this.markDirty();
  }

  // Some of bank_metrics was not read from its first record (a restarted dashboard re-reads only the newest
  // history): the facts before it are missing from the detection figures.
  detectionHistoryCut(): void {
    if (this.detectionPartial) return;
    this.detectionPartial = true;
    this.detectionView = null;
    this.markDirty();
  }

  detectionSummary(): DetectionView | null {
    if (this.detection.empty) return null;
    this.detectionView ??= {
      table: this.detection.table(),
      warmUntilMs: this.detection.warmUntilMs(),
      partitions: [...this.detectionPartitions].sort((a, b) => a - b),
      facts: this.detection.factsApplied,
      partial: this.detectionPartial,
    };
    return this.detectionView;
  }

  addCase(c: Case): void {
    if (!this.cases.add(c)) return;
    // A case updated many times between two pushes is sent once, as it is now; beyond casesPerPush the
    // oldest changes are left out (the page keeps the queue's top from snapshots and /api/cases).
    this.pendingCases.delete(c.case_id);
    this.pendingCases.set(c.case_id, c);
    if (this.pendingCases.size > this.options.casesPerPush) this.pendingCases.delete(this.pendingCases.keys().next().value as string);
    this.markDirty();
  }

  addNotification(n: Alert): void {
    if (!this.notifications.add(n)) return;
    this.notificationsByRule[n.rule] = (this.notificationsByRule[n.rule] ?? 0) + 1;
    this.pendingNotifications.push(n);
    if (this.pendingNotifications.length > this.options.alertsPerPush) this.pendingNotifications.shift();
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
      clock: this.windows.clockView(),
      totals: this.windows.totalsView(this.now()),
      quality: quality.labeled === 0 ? null : { labeled: quality.labeled, positives: quality.positives, episodes: quality.episodes, byRule: summarizeQuality(quality) },
      detection: this.detectionSummary(),
      reader: { ...this.reader },
    };
  }

  snapshot(): SnapshotMessage {
    return {
      type: 'snapshot',
      seq: this.seq,
      series: RANGES.map((range) => this.windows.series(range)),
      alerts: this.alerts.recent(this.options.alertsPerPush),
      cases: this.cases.queue(this.options.casesPerPush),
      notifications: this.notifications.recent(this.options.alertsPerPush),
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
    const message: UpdateMessage = {
      type: 'update',
      seq: ++this.seq,
      series: this.windowsChanged ? this.seriesChanges() : [],
      alerts: this.pendingAlerts.slice(-this.options.alertsPerPush).reverse(),
      droppedAlerts: this.droppedAlerts + Math.max(0, this.pendingAlerts.length - this.options.alertsPerPush),
      cases: [...this.pendingCases.values()],
      notifications: this.pendingNotifications.slice().reverse(),
      summary: this.summary(),
      topics: this.topicsChanged ? this.topics : null,
      groups: this.groupsChanged ? this.groups : null,
    };
    this.dirty = false;
    this.windowsChanged = false;
    this.pendingAlerts = [];
    this.droppedAlerts = 0;
    this.pendingCases.clear();
    this.pendingNotifications = [];
    this.topicsChanged = false;
    this.groupsChanged = false;
    this.pushes++;
    // Taken after building the message, so the interval holds between deliveries, however long a
    // build took under load.
    this.lastPushAt = performance.now();
    for (const listener of this.listeners) listener(message);
  }

  private seriesChanges(): SeriesView[] {
    const out: SeriesView[] = [];
    for (const range of RANGES) {
      const view = this.windows.series(range);
      const json = new Map(view.buckets.map((b) => [b.startMs, JSON.stringify(b)]));
      const sent = this.sentSeries.get(range);
      this.sentSeries.set(range, { view, buckets: json });
      if (sent === undefined || sent.view.bucketMs !== view.bucketMs || view.fromMs < sent.view.fromMs) {
        out.push(view);
        continue;
      }
      const changed = view.buckets.filter((b) => sent.buckets.get(b.startMs) !== json.get(b.startMs));
      // Buckets that emptied (their windows replaced by emptier ones) while still in view.
      for (const start of sent.buckets.keys()) {
        if (!json.has(start) && start >= view.fromMs && start < view.toMs) changed.push({ startMs: start, currency: '', byType: {} });
      }
      const moved = view.fromMs !== sent.view.fromMs || view.toMs !== sent.view.toMs || view.headMs !== sent.view.headMs || view.currency !== sent.view.currency;
      if (changed.length > 0 || moved) out.push({ ...view, full: false, buckets: changed.sort((a, b) => a.startMs - b.startMs) });
    }
    return out;
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'now')) as Partial<T>;
}
